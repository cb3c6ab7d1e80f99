// Package pki drives the real EasyRSA 3 tool (Debian package easy-rsa) the
// way Canonical's easyrsa charm does: one PKI directory per unit, a
// self-signed CA made by `build-ca`, server certificates made by `gen-req`
// + `sign-req serverClient` (extended key usage serverAuth and clientAuth,
// which etcd needs because it uses its server certificate as a client of its
// peers too), the global client certificate by `build-client-full client`.
//
// EasyRSA is a shell script; it is always run with EASYRSA_BATCH=1 (no
// prompts) and EASYRSA_PKI set, never through a shell, and every name and
// SAN passed to it has been validated by the caller (tlscerts).
package pki

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DefaultBinary is where Debian's easy-rsa package installs the tool.
const DefaultBinary = "/usr/share/easy-rsa/easyrsa"

// EasyRSA is one PKI directory driven by the easyrsa tool.
type EasyRSA struct {
	// Binary is the easyrsa script.
	Binary string
	// Dir is the PKI directory (EASYRSA_PKI); its parent must exist or be
	// creatable.
	Dir string
	// Timeout bounds each easyrsa run (key generation included).
	Timeout time.Duration
}

// New returns the PKI at dir driven by binary.
func New(binary, dir string) *EasyRSA {
	return &EasyRSA{Binary: binary, Dir: dir, Timeout: 2 * time.Minute}
}

// Error is a failed easyrsa run with its output, which says why.
type Error struct {
	Args   []string
	Output string
	Err    error
}

func (e *Error) Error() string {
	out := e.Output
	// EasyRSA explains a failure after an "Easy-RSA error:" header and
	// ends with a "Host: ..." line; keep just the explanation.
	if i := strings.Index(out, "Easy-RSA error:"); i >= 0 {
		out = out[i+len("Easy-RSA error:"):]
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "Host:") {
			lines = append(lines, l)
		}
	}
	out = strings.Join(lines, "; ")
	if len(out) > 600 {
		out = "…" + out[len(out)-600:]
	}
	return fmt.Sprintf("easyrsa %s: %v: %s", strings.Join(e.Args, " "), e.Err, out)
}

func (e *Error) Unwrap() error { return e.Err }

// run runs easyrsa with args.
func (r *EasyRSA) run(ctx context.Context, args ...string) (string, error) {
	if r.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
		defer cancel()
	}
	if err := os.MkdirAll(filepath.Dir(r.Dir), 0o700); err != nil {
		return "", fmt.Errorf("cannot create the PKI's parent: %w", err)
	}
	cmd := exec.CommandContext(ctx, r.Binary, args...)
	cmd.Dir = filepath.Dir(r.Dir)
	cmd.Env = append(os.Environ(),
		"EASYRSA_BATCH=1",
		"EASYRSA_PKI="+r.Dir,
		"EASYRSA="+filepath.Dir(r.Binary),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), &Error{Args: args, Output: out.String(), Err: err}
	}
	return out.String(), nil
}

// Installed reports whether the easyrsa tool is there to run.
func (r *EasyRSA) Installed() error {
	st, err := os.Stat(r.Binary)
	if err != nil {
		return fmt.Errorf("cannot find easyrsa: %w", err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("cannot run easyrsa: %s is not executable", r.Binary)
	}
	return nil
}

var versionLine = regexp.MustCompile(`(?m)^Version:\s*(\S+)`)

// Version is easyrsa's version ("3.1.0").
func (r *EasyRSA) Version(ctx context.Context) (string, error) {
	out, err := r.run(ctx, "--version")
	if err != nil {
		return "", err
	}
	m := versionLine.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("cannot find the version in easyrsa --version output %q", out)
	}
	return m[1], nil
}

// Paths of the PKI's files.
func (r *EasyRSA) caCertPath() string       { return filepath.Join(r.Dir, "ca.crt") }
func (r *EasyRSA) caKeyPath() string        { return filepath.Join(r.Dir, "private", "ca.key") }
func (r *EasyRSA) serialPath() string       { return filepath.Join(r.Dir, "serial") }
func (r *EasyRSA) certPath(n string) string { return filepath.Join(r.Dir, "issued", n+".crt") }
func (r *EasyRSA) keyPath(n string) string  { return filepath.Join(r.Dir, "private", n+".key") }
func (r *EasyRSA) reqPath(n string) string  { return filepath.Join(r.Dir, "reqs", n+".req") }

// CA is the authority's certificate, key and next serial, which the leader
// keeps in leader data so a new leader can take over the same CA.
type CA struct {
	Cert   string
	Key    string
	Serial string
}

// HasCA reports whether the PKI holds a CA.
func (r *EasyRSA) HasCA() bool {
	_, errCert := os.Stat(r.caCertPath())
	_, errKey := os.Stat(r.caKeyPath())
	return errCert == nil && errKey == nil
}

// ReadCA reads the PKI's CA.
func (r *EasyRSA) ReadCA() (CA, error) {
	var ca CA
	for _, f := range []struct {
		path string
		dst  *string
	}{{r.caCertPath(), &ca.Cert}, {r.caKeyPath(), &ca.Key}, {r.serialPath(), &ca.Serial}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return CA{}, fmt.Errorf("cannot read the CA: %w", err)
		}
		*f.dst = string(b)
	}
	return ca, nil
}

// CreateCA makes a fresh PKI with a self-signed CA named cn. An existing PKI
// directory is replaced: it can only be a half-made one, since callers ask
// HasCA first.
func (r *EasyRSA) CreateCA(ctx context.Context, cn string) (CA, error) {
	if err := os.RemoveAll(r.Dir); err != nil {
		return CA{}, fmt.Errorf("cannot remove a half-made PKI: %w", err)
	}
	if _, err := r.run(ctx, "init-pki"); err != nil {
		return CA{}, fmt.Errorf("cannot initialize the PKI: %w", err)
	}
	if _, err := r.run(ctx, "--req-cn="+cn, "build-ca", "nopass"); err != nil {
		return CA{}, fmt.Errorf("cannot build the CA: %w", err)
	}
	return r.ReadCA()
}

// RestoreCA makes a PKI around an existing CA (another unit's, from leader
// data), as the real charm does when leadership moves: init-pki, then the
// CA files and the empty database EasyRSA expects from build-ca.
func (r *EasyRSA) RestoreCA(ctx context.Context, ca CA) error {
	if ca.Cert == "" || ca.Key == "" {
		return errors.New("cannot restore the CA: certificate or key missing")
	}
	if err := os.RemoveAll(r.Dir); err != nil {
		return fmt.Errorf("cannot remove the old PKI: %w", err)
	}
	if _, err := r.run(ctx, "init-pki"); err != nil {
		return fmt.Errorf("cannot initialize the PKI: %w", err)
	}
	serial := ca.Serial
	if strings.TrimSpace(serial) == "" {
		serial = "01\n"
	}
	for _, d := range []string{"issued", "certs_by_serial", "private", "reqs",
		"revoked/certs_by_serial", "revoked/private_by_serial", "revoked/reqs_by_serial"} {
		if err := os.MkdirAll(filepath.Join(r.Dir, d), 0o700); err != nil {
			return fmt.Errorf("cannot restore the CA: %w", err)
		}
	}
	for _, f := range []struct {
		path, data string
		mode       os.FileMode
	}{
		{r.caCertPath(), ca.Cert, 0o644},
		{r.caKeyPath(), ca.Key, 0o600},
		{r.serialPath(), serial, 0o600},
		{filepath.Join(r.Dir, "index.txt"), "", 0o600},
		{filepath.Join(r.Dir, "index.txt.attr"), "unique_subject = no\n", 0o600},
	} {
		if err := os.WriteFile(f.path, []byte(f.data), f.mode); err != nil {
			return fmt.Errorf("cannot restore the CA: %w", err)
		}
	}
	return nil
}

// safeName is a file name easyrsa may use for a request.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,200}$`)

// Pair is a PEM certificate and key as issued.
type Pair struct {
	Cert string
	Key  string
}

// IssueServer issues a serverClient certificate (EKU serverAuth and
// clientAuth) under file name name with common name cn and sans (IP
// addresses and DNS names, already validated). An earlier certificate of
// the same name is revoked first, as the real charm does when a request's
// SANs change.
func (r *EasyRSA) IssueServer(ctx context.Context, name, cn string, sans []string, isIP func(string) bool) (Pair, error) {
	return r.issue(ctx, "serverClient", name, cn, sans, isIP)
}

// IssueClientCert issues a client certificate (EKU clientAuth) for cn, as
// IssueServer does.
func (r *EasyRSA) IssueClientCert(ctx context.Context, name, cn string, sans []string, isIP func(string) bool) (Pair, error) {
	return r.issue(ctx, "client", name, cn, sans, isIP)
}

// issue makes a request for cn with gen-req and signs it as x509 type typ
// with sign-req; build-*-full cannot be used, it takes the CN from the
// file name.
func (r *EasyRSA) issue(ctx context.Context, typ, name, cn string, sans []string, isIP func(string) bool) (Pair, error) {
	if !safeName.MatchString(name) {
		return Pair{}, fmt.Errorf("cannot issue %q: not a safe file name", name)
	}
	if err := r.revokeIfIssued(ctx, name); err != nil {
		return Pair{}, err
	}
	if _, err := r.run(ctx, "--req-cn="+cn, "gen-req", name, "nopass"); err != nil {
		return Pair{}, fmt.Errorf("cannot make the request for %q: %w", cn, err)
	}
	args := []string{}
	if len(sans) > 0 {
		typed := make([]string, len(sans))
		for i, s := range sans {
			if isIP(s) {
				typed[i] = "IP:" + s
			} else {
				typed[i] = "DNS:" + s
			}
		}
		args = append(args, "--subject-alt-name="+strings.Join(typed, ","))
	}
	args = append(args, "sign-req", typ, name)
	if _, err := r.run(ctx, args...); err != nil {
		return Pair{}, fmt.Errorf("cannot sign the certificate for %q: %w", cn, err)
	}
	return r.readPair(name)
}

// IssueClient returns the client certificate of name (CN name), issuing it
// with build-client-full unless the PKI already holds it.
func (r *EasyRSA) IssueClient(ctx context.Context, name string) (Pair, error) {
	if !safeName.MatchString(name) {
		return Pair{}, fmt.Errorf("cannot issue %q: not a safe file name", name)
	}
	if p, err := r.readPair(name); err == nil {
		return p, nil
	}
	if _, err := r.run(ctx, "build-client-full", name, "nopass"); err != nil {
		return Pair{}, fmt.Errorf("cannot build the client certificate %q: %w", name, err)
	}
	return r.readPair(name)
}

func (r *EasyRSA) revokeIfIssued(ctx context.Context, name string) error {
	if _, err := os.Stat(r.certPath(name)); err == nil {
		if _, err := r.run(ctx, "revoke", name); err != nil {
			return fmt.Errorf("cannot revoke the old certificate %q: %w", name, err)
		}
	}
	// A request or key left from an interrupted run would make gen-req
	// refuse to overwrite it.
	for _, p := range []string{r.certPath(name), r.keyPath(name), r.reqPath(name)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove %s: %w", p, err)
		}
	}
	return nil
}

func (r *EasyRSA) readPair(name string) (Pair, error) {
	cert, err := os.ReadFile(r.certPath(name))
	if err != nil {
		return Pair{}, fmt.Errorf("cannot read certificate %q: %w", name, err)
	}
	key, err := os.ReadFile(r.keyPath(name))
	if err != nil {
		return Pair{}, fmt.Errorf("cannot read key %q: %w", name, err)
	}
	return Pair{Cert: pemOnly(string(cert)), Key: string(key)}, nil
}

// pemOnly drops the text dump easyrsa puts before the PEM block of the
// certificates it issues; PEM readers skip it, but answers stay smaller.
func pemOnly(s string) string {
	if i := strings.Index(s, "-----BEGIN "); i > 0 {
		return s[i:]
	}
	return s
}
