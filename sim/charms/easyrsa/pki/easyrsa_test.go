package pki

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tool returns a PKI in a temporary directory driven by the installed
// easyrsa, skipping when it is not installed (CI installs easy-rsa) or in
// -short mode (it runs processes and generates RSA keys).
func tool(t *testing.T) *EasyRSA {
	t.Helper()
	if testing.Short() {
		t.Skip("runs easyrsa")
	}
	r := New(DefaultBinary, filepath.Join(t.TempDir(), "easyrsa", "pki"))
	if err := r.Installed(); err != nil {
		t.Skipf("easy-rsa not installed: %v", err)
	}
	return r
}

func parse(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatalf("no PEM in %q", s)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func isIP(s string) bool { return net.ParseIP(s) != nil }

func TestEasyRSA(t *testing.T) {
	r := tool(t)
	ctx := context.Background()
	if v, err := r.Version(ctx); err != nil || !strings.HasPrefix(v, "3.") {
		t.Fatalf("Version = %q, %v; want 3.x", v, err)
	}
	if r.HasCA() {
		t.Fatal("HasCA before CreateCA")
	}
	ca, err := r.CreateCA(ctx, "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasCA() {
		t.Fatal("no CA after CreateCA")
	}
	caCert := parse(t, ca.Cert)
	if !caCert.IsCA || caCert.Subject.CommonName != "10.1.2.3" || ca.Key == "" || ca.Serial == "" {
		t.Fatalf("CA: IsCA %v CN %q key %d bytes serial %q", caCert.IsCA, caCert.Subject.CommonName, len(ca.Key), ca.Serial)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)

	server, err := r.IssueServer(ctx, "etcd_0", "10.0.0.1", []string{"10.0.0.1", "127.0.0.1", "etcd-0.example"}, isIP)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(server.Cert, "-----BEGIN CERTIFICATE-----") || !strings.Contains(server.Key, "PRIVATE KEY") {
		t.Fatalf("pair not PEM: %.40q / %.40q", server.Cert, server.Key)
	}
	sc := parse(t, server.Cert)
	if _, err := sc.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("server cert does not verify for serverAuth: %v", err)
	}
	if _, err := sc.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("server cert does not verify for clientAuth: %v", err)
	}
	var ips []string
	for _, ip := range sc.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"10.0.0.1", "127.0.0.1"}) || !slices.Equal(sc.DNSNames, []string{"etcd-0.example"}) || sc.Subject.CommonName != "10.0.0.1" {
		t.Errorf("server cert CN %q IPs %v DNS %v", sc.Subject.CommonName, ips, sc.DNSNames)
	}

	// A changed SAN list re-issues under the same name, revoking the old.
	again, err := r.IssueServer(ctx, "etcd_0", "10.0.0.1", []string{"10.0.0.1"}, isIP)
	if err != nil {
		t.Fatal(err)
	}
	ac := parse(t, again.Cert)
	if len(ac.IPAddresses) != 1 || ac.SerialNumber.Cmp(sc.SerialNumber) == 0 {
		t.Errorf("re-issued cert IPs %v serial %v (old %v)", ac.IPAddresses, ac.SerialNumber, sc.SerialNumber)
	}

	kc, err := r.IssueClientCert(ctx, "kube_0-x", "system:kube-apiserver", nil, isIP)
	if err != nil {
		t.Fatal(err)
	}
	kcc := parse(t, kc.Cert)
	if kcc.Subject.CommonName != "system:kube-apiserver" || !slices.Equal(kcc.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("client cert for a CN: CN %q EKU %v", kcc.Subject.CommonName, kcc.ExtKeyUsage)
	}

	client, err := r.IssueClient(ctx, "client")
	if err != nil {
		t.Fatal(err)
	}
	cc := parse(t, client.Cert)
	if cc.Subject.CommonName != "client" || !slices.Contains(cc.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Errorf("client cert CN %q EKU %v", cc.Subject.CommonName, cc.ExtKeyUsage)
	}
	same, err := r.IssueClient(ctx, "client")
	if err != nil || same != client {
		t.Errorf("second IssueClient issued a new certificate (err %v)", err)
	}

	entries, err := r.Index()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Status+" "+e.Subject)
	}
	want := []string{"R /CN=10.0.0.1", "V /CN=10.0.0.1", "V /CN=system:kube-apiserver", "V /CN=client"}
	if !slices.Equal(got, want) {
		t.Errorf("index = %v, want %v", got, want)
	}
	if !strings.EqualFold(entries[1].Serial, ac.SerialNumber.Text(16)) {
		t.Errorf("index serial %s, cert serial %x", entries[1].Serial, ac.SerialNumber)
	}
}

func TestRestoreCA(t *testing.T) {
	first := tool(t)
	ctx := context.Background()
	ca, err := first.CreateCA(ctx, "ca.example")
	if err != nil {
		t.Fatal(err)
	}
	// Another unit, taking over leadership, rebuilds the PKI from leader
	// data and signs with the same CA.
	second := New(DefaultBinary, filepath.Join(t.TempDir(), "pki"))
	if err := second.RestoreCA(ctx, ca); err != nil {
		t.Fatal(err)
	}
	got, err := second.ReadCA()
	if err != nil || got.Cert != ca.Cert || got.Key != ca.Key {
		t.Fatalf("restored CA differs (err %v)", err)
	}
	p, err := second.IssueServer(ctx, "u_1", "host", []string{"host"}, isIP)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parse(t, ca.Cert))
	if _, err := parse(t, p.Cert).Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		t.Errorf("cert from the restored PKI does not verify against the original CA: %v", err)
	}
}

func TestErrors(t *testing.T) {
	r := tool(t)
	ctx := context.Background()
	if _, err := r.IssueServer(ctx, "../escape", "x", nil, isIP); err == nil || !strings.Contains(err.Error(), "not a safe file name") {
		t.Errorf("IssueServer with a path name: %v", err)
	}
	// Signing without a CA fails with easyrsa's own explanation.
	_, err := r.IssueServer(ctx, "x", "x", nil, isIP)
	var e *Error
	if !errors.As(err, &e) || e.Output == "" {
		t.Errorf("IssueServer without a CA: %v, want an *Error with output", err)
	}
	if err := r.RestoreCA(ctx, CA{Cert: "x"}); err == nil {
		t.Error("RestoreCA without a key succeeded")
	}
	missing := New(filepath.Join(t.TempDir(), "no-easyrsa"), t.TempDir())
	if err := missing.Installed(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Installed of a missing binary = %v", err)
	}
}

func TestParseIndex(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Entry
		err      string
	}{
		{"empty", "", nil, ""},
		{"two", "V\t290224015542Z\t\tB7\tunknown\t/CN=client\nR\t290224015549Z\t261122015622Z\t6A\tunknown\t/CN=10.0.0.1\n",
			[]Entry{{"V", "290224015542Z", "B7", "/CN=client"}, {"R", "290224015549Z", "6A", "/CN=10.0.0.1"}}, ""},
		{"short line", "V\tx\n", nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIndex(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("parseIndex = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	out := "\nHost: nix | Linux | /bin/bash\n\n\nEasy-RSA error:\n\nEASYRSA_PKI does not exist (perhaps you need to run init-pki)?\nExpected to find the EASYRSA_PKI at: /x/pki\n"
	e := &Error{Args: []string{"gen-req", "x"}, Output: out, Err: errors.New("exit status 1")}
	want := "easyrsa gen-req x: exit status 1: EASYRSA_PKI does not exist (perhaps you need to run init-pki)?; Expected to find the EASYRSA_PKI at: /x/pki"
	if e.Error() != want {
		t.Errorf("Error() =\n%q\nwant\n%q", e.Error(), want)
	}
}
