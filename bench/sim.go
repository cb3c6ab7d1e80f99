package bench

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Sim is one jujusim controller with its own home, driven through the CLI
// as an operator would drive Juju.
type Sim struct {
	Bin  string // the jujusim binary
	Home string
	up   bool
	// lastRuns is how many times the etcd charm ran in the window the
	// last charmBusy looked at.
	lastRuns int
}

// NewSim bootstraps a controller in a fresh home below dir; concurrency is
// how many units may run hooks at once (Juju's unit agents are
// independent, so a faithful model lets every unit run; 1 serialises the
// whole model for exact seeded replays).
func NewSim(bin, dir string, seed, concurrency int) (*Sim, error) {
	home, err := os.MkdirTemp(dir, "jujusim-")
	if err != nil {
		return nil, err
	}
	s := &Sim{Bin: bin, Home: home}
	if _, err := s.Run("bootstrap", "--snapd", "--seed", fmt.Sprint(seed), "--update-status-interval", "20s", "--retry-backoff", "1s", "--concurrency", fmt.Sprint(concurrency)); err != nil {
		return nil, err
	}
	s.up = true
	if os.Getenv("ETCDBENCH_TRACE_DIR") != "" {
		// The kept debug log then holds the hooks' own output (their
		// waits and retries), not only juju-log.
		if _, err := s.Run("model-config", "logging-config=<root>=INFO;unit=DEBUG"); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Run runs the CLI and returns its combined output.
func (s *Sim) Run(args ...string) (string, error) {
	cmd := exec.Command(s.Bin, args...)
	cmd.Env = append(os.Environ(), "JUJUSIM_HOME="+s.Home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("jujusim %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// Destroy stops every process the controller started.
func (s *Sim) Destroy() error {
	if !s.up {
		return nil
	}
	s.up = false
	_, err := s.Run("destroy")
	os.RemoveAll(s.Home)
	return err
}

// DeployEtcd deploys n etcd units of charm (a directory) related to easyrsa.
// Loopback isolation shares one host, so etcd binds its own address only.
func (s *Sim) DeployEtcd(charm, easyrsa string, n int, config ...string) error {
	args := []string{"deploy", charm, "etcd", "-n", fmt.Sprint(n), "--config", "bind_to_all_interfaces=false"}
	for _, c := range config {
		args = append(args, "--config", c)
	}
	if _, err := s.Run(args...); err != nil {
		return err
	}
	if _, err := s.Run("deploy", easyrsa, "easyrsa"); err != nil {
		return err
	}
	_, err := s.Run("integrate", "etcd:certificates", "easyrsa:client")
	return err
}

// WaitActive waits until every unit is idle and active.
func (s *Sim) WaitActive(timeout time.Duration) error {
	_, err := s.Run("wait-for", "--workload", "active", "--timeout", timeout.String())
	return err
}

// Unit is the part of `status --format json` the benchmark reads.
type Unit struct {
	WorkloadStatus struct {
		Current string `json:"current"`
		Message string `json:"message"`
	} `json:"workload-status"`
	Leader        bool     `json:"leader"`
	PublicAddress string   `json:"public-address"`
	OpenPorts     []string `json:"open-ports"`
}

// Units returns an application's units by name.
func (s *Sim) Units(app string) (map[string]Unit, error) {
	out, err := s.Run("status", "--format", "json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Applications map[string]struct {
			Units map[string]Unit `json:"units"`
		} `json:"applications"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("cannot parse status: %w", err)
	}
	return doc.Applications[app].Units, nil
}

// allHealthy reports whether n etcd units are active and say they are
// healthy with n peers (the charm's status after its own health check).
func allHealthy(units map[string]Unit, n int) bool {
	if len(units) != n {
		return false
	}
	want := fmt.Sprintf("Healthy with %d known peers", n)
	for _, u := range units {
		if u.WorkloadStatus.Current != "active" || !strings.HasPrefix(u.WorkloadStatus.Message, want) {
			return false
		}
	}
	return true
}

// issuedCount counts the distinct etcd units easyrsa has issued a server
// certificate to, from the debug log.
func (s *Sim) issuedCount() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.Home, "logs", "debug.log"))
	if err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	units := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "Issued a server certificate") {
			continue
		}
		if i := strings.LastIndex(line, " to etcd/"); i >= 0 {
			rest := line[i+len(" to "):]
			if j := strings.IndexAny(rest, ": "); j >= 0 {
				rest = rest[:j]
			}
			units[rest] = true
		}
	}
	return len(units), nil
}

// waitIssued polls the debug log until n etcd units hold a certificate and
// returns when it saw that (50 ms resolution).
func (s *Sim) waitIssued(n int, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := s.issuedCount()
		if err != nil {
			return time.Time{}, err
		}
		if c >= n {
			return time.Now(), nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("cannot see %d certificates issued within %v", n, timeout)
}

// waitHealthy polls status until n etcd units are active and healthy.
func (s *Sim) waitHealthy(n int, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		units, err := s.Units("etcd")
		if err == nil && allHealthy(units, n) {
			return time.Now(), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("etcd units not all healthy within %v", timeout)
}

// Client connects to the etcd units over loopback with the credentials
// the charm gives its clients: package-client-credentials on unit, the
// tarball copied off with scp (as Juju's ubuntu login; the key files
// themselves are root's) and unpacked.
func (s *Sim) Client(unit string) (*clientv3.Client, error) {
	dir, err := s.credentials(unit)
	if err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	units, err := s.Units("etcd")
	if err != nil {
		return nil, err
	}
	var endpoints []string
	for _, u := range units {
		for _, p := range u.OpenPorts {
			endpoints = append(endpoints, "https://"+u.PublicAddress+":"+strings.TrimSuffix(p, "/tcp"))
		}
	}
	return clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		TLS:         &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool},
		Logger:      zap.NewNop(),
	})
}

// votingMembers counts the members that are started (have a name) and are
// not learners.
func votingMembers(cl *clientv3.Client) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := cl.MemberList(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range resp.Members {
		if !m.IsLearner && m.Name != "" {
			n++
		}
	}
	return n, nil
}

// charmBusy describes the etcd charm's runs that started in [from, to):
// how many, their summed wall time (units run in parallel, so it can
// exceed the interval) and the longest one, to show where a wait went.
func (s *Sim) charmBusy(from, to time.Time) string {
	recs, err := ReadHookRecords(s.Home)
	if err != nil {
		return err.Error()
	}
	var sum time.Duration
	var longest HookRecord
	n := 0
	for _, r := range recs {
		if r.Start >= from.UnixNano() && r.Start < to.UnixNano() {
			sum += r.Wall()
			n++
			if r.WallNS > longest.WallNS {
				longest = r
			}
		}
	}
	s.lastRuns = n
	if n == 0 {
		return "the etcd charm did not run"
	}
	return fmt.Sprintf("the etcd charm ran %d times, %s in all; longest %s %s, %s (started %s after the clock)",
		n, secs(sum), longest.Unit, longest.Dispatch, secs(longest.Wall()), secs(time.Duration(longest.Start-from.UnixNano())))
}

// credentials runs package-client-credentials on unit, copies its tarball
// off with scp and unpacks client.crt, client.key and ca.crt into a new
// directory under the model's home, which it returns.
func (s *Sim) credentials(unit string) (string, error) {
	out, err := s.Run("run", unit, "package-client-credentials", "--format", "json", "--wait", "3m")
	if err != nil {
		return "", err
	}
	var doc map[string]struct {
		Status  string         `json:"status"`
		Results map[string]any `json:"results"`
	}
	start, end := strings.Index(out, "{"), strings.LastIndex(out, "}")
	if start < 0 || end < start || json.Unmarshal([]byte(out[start:end+1]), &doc) != nil {
		return "", fmt.Errorf("cannot parse package-client-credentials output %q", out)
	}
	r := doc[unit]
	tarball, _ := r.Results["path"].(string)
	if r.Status != "completed" || tarball == "" {
		return "", fmt.Errorf("package-client-credentials on %s: %q", unit, out)
	}
	dir, err := os.MkdirTemp(s.Home, "creds-")
	if err != nil {
		return "", err
	}
	archive := filepath.Join(dir, "creds.tar.gz")
	if _, err := s.Run("scp", unit+":"+tarball, archive); err != nil {
		return "", err
	}
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", archive, err)
	}
	tr := tar.NewReader(zr)
	found := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("cannot read %s: %w", archive, err)
		}
		switch name := path.Base(h.Name); name {
		case "client.crt", "client.key", "ca.crt":
			data, err := io.ReadAll(tr)
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				return "", err
			}
			found++
		}
	}
	if found != 3 {
		return "", fmt.Errorf("%s holds %d of client.crt, client.key and ca.crt", archive, found)
	}
	return dir, nil
}
