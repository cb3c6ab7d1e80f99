package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// This file runs the actions against a real etcd (3.5, which has etcdutl)
// the way the snap runs it: etcd --config-file <root>/var/snap/etcd/common/
// etcd.conf.yml as the hooks render it, TLS with client-cert-auth, and
// /snap/bin/etcd.etcdutl and etcd.etcdctl wrappers for the EtcdTool. The
// binaries come from $ETCD_BINS/3.5.*/ (make etcd-bins; default the
// Makefile's cache directory); the tests skip without them or with -short.

// etcdBins finds a 3.5 release directory holding etcd, etcdctl, etcdutl.
func etcdBins(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a real etcd")
	}
	return testkit.EtcdRelease(t, "3.5", "etcdutl")
}

// procSnap is a snap.Client whose etcd.etcd service is a real etcd
// process started with the rendered config, as the snap's wrapper does.
type procSnap struct {
	mu    sync.Mutex
	bin   string
	paths charm.Paths
	cmd   *exec.Cmd
	done  chan struct{}
	log   bytes.Buffer
}

var _ snap.Client = (*procSnap)(nil)

func (p *procSnap) Snap(context.Context, string) (*snap.Snap, error) {
	return &snap.Snap{Name: "etcd", Version: "3.5", Revision: "1", Channel: "3.5/stable"}, nil
}
func (p *procSnap) Install(context.Context, string, string) error { return errors.New("not here") }
func (p *procSnap) InstallPath(context.Context, string) error     { return errors.New("not here") }
func (p *procSnap) Refresh(context.Context, string, string) error { return errors.New("not here") }
func (p *procSnap) Revert(context.Context, string) error          { return errors.New("not here") }
func (p *procSnap) Connect(context.Context, string, string) error { return errors.New("not here") }
func (p *procSnap) Channels(context.Context, string) (map[string]string, error) {
	return nil, errors.New("not here")
}
func (p *procSnap) Conf(context.Context, string, string) (string, error) { return "", nil }

// Logs is what the etcd process wrote, its last n lines.
func (p *procSnap) Logs(_ context.Context, _ string, n int) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lines := strings.Split(strings.TrimRight(p.log.String(), "\n"), "\n")
	if n >= 0 && len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines, nil
}
func (p *procSnap) SetConf(context.Context, string, string, string) error {
	return errors.New("not here")
}

func (p *procSnap) Start(_ context.Context, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	cmd := exec.Command(p.bin, "--config-file", p.paths.ConfigFile())
	cmd.Stdout, cmd.Stderr = &p.log, &p.log
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	return nil
}

func (p *procSnap) Stop(_ context.Context, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	testkit.Terminate(p.cmd.Process, p.done, 20*time.Second)
	p.cmd = nil
	return nil
}

func (p *procSnap) Restart(ctx context.Context, s string) error {
	if err := p.Stop(ctx, s); err != nil {
		return err
	}
	return p.Start(ctx, s)
}

func (p *procSnap) Active(context.Context, string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false, nil
	}
	select {
	case <-p.done:
		return false, nil
	default:
		return true, nil
	}
}

// realUnit is etcd/0 of a one-unit application running a real etcd.
type realUnit struct {
	d     Deps
	tools *jujutest.Tools
	snapd *procSnap
	cli   *clientv3.Client
}

func startReal(t testing.TB) *realUnit {
	bins := etcdBins(t)
	paths := charm.Paths{Root: t.TempDir()}
	writePKI(t, paths)
	for _, tool := range []string{"etcdutl", "etcdctl"} {
		wrapper := paths.Join("snap/bin/etcd." + tool)
		script := fmt.Sprintf("#!/bin/sh\nexec %s \"$@\"\n", filepath.Join(bins, tool))
		if err := os.MkdirAll(filepath.Dir(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := charm.ParseConfig(map[string]any{"port": int64(testkit.FreePort(t, "127.0.0.1")), "management_port": int64(testkit.FreePort(t, "127.0.0.1"))})
	if err != nil {
		t.Fatal(err)
	}
	cfg.BindToAllInterfaces = false
	member := charm.Member{Name: "etcd0", ClusterAddress: "127.0.0.1", DBAddress: "127.0.0.1"}
	initial := "etcd0=" + member.PeerURL(cfg)
	conf, err := charm.BuildEtcdConfig(cfg, paths, member, charm.Start{InitialCluster: initial, State: "new", Token: "TOKEN1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths.ConfigFile(), conf.Render(), 0o644); err != nil {
		t.Fatal(err)
	}
	tools := jujutest.New("etcd/0")
	tools.Leader = true
	tools.ActionParams = map[string]any{}
	tools.Config["port"] = int64(cfg.Port)
	tools.LeaderData["cluster"], tools.LeaderData["token"] = initial, "TOKEN1"
	procs := &procSnap{bin: filepath.Join(bins, "etcd"), paths: paths}
	t.Cleanup(func() { procs.Stop(context.Background(), charm.ServiceName) })
	u := &realUnit{d: Deps{Tools: tools, Paths: paths, Snap: procs, Dial: etcd.Dial, Log: io.Discard}, tools: tools, snapd: procs}
	if err := procs.Start(context.Background(), charm.ServiceName); err != nil {
		t.Fatal(err)
	}
	if _, err := waitServing(context.Background(), u.d, member.ClientURL(cfg)); err != nil {
		t.Fatalf("etcd does not serve: %v\n%s", err, procs.log.String())
	}
	tc, err := transport.TLSInfo{CertFile: paths.ServerCert(), KeyFile: paths.ServerKey(), TrustedCAFile: paths.CACert()}.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	u.cli, err = clientv3.New(clientv3.Config{Endpoints: []string{member.ClientURL(cfg)}, TLS: tc, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.cli.Close() })
	return u
}

func (u *realUnit) run(t testing.TB, name string, params map[string]any) {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	u.tools.ActionParams = params
	u.tools.ActionResults, u.tools.ActionFailed = nil, ""
	ev := juju.Event{Kind: juju.ActionKind, Name: name, Unit: "etcd/0", ActionID: "1"}
	var stderr bytes.Buffer
	if code := u.tools.Run(context.Background(), ev, Handler(u.d), &stderr); code != 0 {
		t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
	}
}

// writePKI writes a CA and a server pair for 127.0.0.1 with both server
// and client auth, where the charm keeps them.
func writePKI(t testing.TB, paths charm.Paths) {
	t.Helper()
	files := testkit.TLSFiles{CA: paths.CACert(), Cert: paths.ServerCert(), Key: paths.ServerKey()}
	testkit.NewCA(t).WritePKI(t, files, "127.0.0.1")
}

func clientWithPrefix() []clientv3.OpOption {
	return []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCountOnly()}
}
