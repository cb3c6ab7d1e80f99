package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/etcd-charm/etcd-charm/internal/testkit/testca"
)

// Bare is the baseline: etcd processes started by hand on loopback with a
// static TLS bootstrap (client and peer TLS with client-certificate auth,
// as the charm configures), no Juju, no snap.
type Bare struct {
	Etcd   string // the etcd binary
	Dir    string
	Subnet string // "127.0.250." — each member is Subnet+index+1
	ca     *testca.CA
	procs  map[string]*exec.Cmd
	tlsCfg *tls.Config
}

// NewBare writes a CA and a client certificate into dir.
func NewBare(etcd, dir, subnet string) (*Bare, error) {
	b := &Bare{Etcd: etcd, Dir: dir, Subnet: subnet, procs: map[string]*exec.Cmd{}}
	ca, err := testca.New("etcdbench CA")
	if err != nil {
		return nil, err
	}
	b.ca = ca
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), []byte(ca.PEM), 0o600); err != nil {
		return nil, err
	}
	if err := b.issue("client", nil); err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	b.tlsCfg = &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool}
	return b, nil
}

// issue writes name.crt and name.key, a certificate for both server and
// client use (etcd's peers authenticate each other with it).
func (b *Bare) issue(name string, ips []string) error {
	p, err := b.ca.Issue(testca.Leaf{CN: name, SANs: append([]string{"127.0.0.1"}, ips...)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.Dir, name+".crt"), []byte(p.Cert), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.Dir, name+".key"), []byte(p.Key), 0o600)
}

func (b *Bare) ip(i int) string        { return fmt.Sprintf("%s%d", b.Subnet, i+1) }
func (b *Bare) name(i int) string      { return fmt.Sprintf("m%d", i) }
func (b *Bare) peerURL(i int) string   { return "https://" + b.ip(i) + ":2380" }
func (b *Bare) clientURL(i int) string { return "https://" + b.ip(i) + ":2379" }

// Certs issues the members' certificates (before the clock starts: the
// charm's turn-up is measured from the last certificate issued too).
func (b *Bare) Certs(n int) error {
	for i := 0; i < n; i++ {
		if err := b.issue(b.name(i), []string{b.ip(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bare) initialCluster(members []int) string {
	var parts []string
	for _, i := range members {
		parts = append(parts, b.name(i)+"="+b.peerURL(i))
	}
	return strings.Join(parts, ",")
}

// Start starts member i with the given initial cluster and state.
func (b *Bare) Start(i int, cluster, state string) error {
	name := b.name(i)
	data := filepath.Join(b.Dir, name+".etcd")
	logf, err := os.Create(filepath.Join(b.Dir, name+".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	crt, key, ca := filepath.Join(b.Dir, name+".crt"), filepath.Join(b.Dir, name+".key"), filepath.Join(b.Dir, "ca.crt")
	cmd := exec.Command(b.Etcd,
		"--name", name, "--data-dir", data,
		"--listen-client-urls", b.clientURL(i), "--advertise-client-urls", b.clientURL(i),
		"--listen-peer-urls", b.peerURL(i), "--initial-advertise-peer-urls", b.peerURL(i),
		"--initial-cluster", cluster, "--initial-cluster-state", state,
		"--initial-cluster-token", "etcdbench",
		"--cert-file", crt, "--key-file", key, "--trusted-ca-file", ca, "--client-cert-auth",
		"--peer-cert-file", crt, "--peer-key-file", key, "--peer-trusted-ca-file", ca, "--peer-client-cert-auth",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start etcd %s: %w", name, err)
	}
	b.procs[name] = cmd
	return nil
}

// StartCluster starts n members with a static bootstrap.
func (b *Bare) StartCluster(n int) error {
	var members []int
	for i := 0; i < n; i++ {
		members = append(members, i)
	}
	cluster := b.initialCluster(members)
	for _, i := range members {
		if err := b.Start(i, cluster, "new"); err != nil {
			return err
		}
	}
	return nil
}

// Client connects to members.
func (b *Bare) Client(members ...int) (*clientv3.Client, error) {
	var eps []string
	for _, i := range members {
		eps = append(eps, b.clientURL(i))
	}
	return clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 2 * time.Second, TLS: b.tlsCfg, Logger: zap.NewNop()})
}

// healthy reports whether every member answers a linearizable read, as
// `etcdctl endpoint health` checks.
func (b *Bare) healthy(n int) bool {
	for i := 0; i < n; i++ {
		cl, err := b.Client(i)
		if err != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = cl.Get(ctx, "health")
		cancel()
		cl.Close()
		if err != nil {
			return false
		}
	}
	return true
}

// WaitHealthy polls until n members are healthy.
func (b *Bare) WaitHealthy(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b.healthy(n) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("bare etcd: %d members not healthy within %v", n, timeout)
}

// Stop kills every member this Bare started and removes its files.
func (b *Bare) Stop() {
	for name, cmd := range b.procs {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		delete(b.procs, name)
	}
	os.RemoveAll(b.Dir)
}
