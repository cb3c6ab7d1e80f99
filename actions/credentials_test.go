package actions

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func setup(t *testing.T, certs ...string) (Deps, *jujutest.Tools) {
	t.Helper()
	paths := charm.Paths{Root: t.TempDir()}
	if err := os.MkdirAll(paths.SnapCommon(), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range certs {
		if err := os.WriteFile(filepath.Join(paths.SnapCommon(), name), []byte("PEM of "+name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tools := jujutest.New("etcd/1")
	tools.ActionParams = map[string]any{}
	tools.Config["port"] = int64(2379)
	tools.Network["db"] = juju.Network{IngressAddresses: []string{"10.5.0.7"}}
	return Deps{Tools: tools, Paths: paths, Snap: snaptest.New(), Log: io.Discard}, tools
}

func runAction(d Deps, name string) (int, error) {
	ev := juju.Event{Kind: juju.ActionKind, Name: name, Unit: "etcd/1"}
	var err error
	code := d.Tools.(*jujutest.Tools).Run(context.Background(), ev, func(ctx context.Context, ev juju.Event) error {
		err = Handler(d)(ctx, ev)
		return err
	}, io.Discard)
	return code, err
}

func TestPackageClientCredentials(t *testing.T) {
	d, tools := setup(t, "client.crt", "client.key", "ca.crt")
	if code, err := runAction(d, "package-client-credentials"); code != 0 || err != nil {
		t.Fatalf("exit %d, error %v", code, err)
	}
	want := map[string]string{
		"path":     "/home/ubuntu/etcd_credentials.tar.gz",
		"copy.cmd": "juju scp etcd/1:/home/ubuntu/etcd_credentials.tar.gz .",
	}
	for k, v := range want {
		if tools.ActionResults[k] != v {
			t.Errorf("result %s = %q, want %q", k, tools.ActionResults[k], v)
		}
	}
	archive := d.Paths.Join("home/ubuntu/etcd_credentials.tar.gz")
	st, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode = %v, want 0600", st.Mode().Perm())
	}
	got := readTarGz(t, archive)
	for _, name := range []string{"client.crt", "client.key", "ca.crt"} {
		if got["etcd_credentials/"+name] != "PEM of "+name {
			t.Errorf("%s = %q", name, got["etcd_credentials/"+name])
		}
	}
	readme := got["etcd_credentials/README.txt"]
	for _, line := range []string{"export ETCDCTL_KEY=", "export ETCDCTL_CERT=", "export ETCDCTL_CACERT=", "export ETCDCTL_ENDPOINTS=https://10.5.0.7:2379"} {
		if !strings.Contains(readme, line) {
			t.Errorf("README lacks %q:\n%s", line, readme)
		}
	}
	if len(got) != 4 {
		t.Errorf("archive holds %d files, want 4: %v", len(got), got)
	}
	// Running it again replaces the archive.
	if code, _ := runAction(d, "package-client-credentials"); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
}

func TestPackageClientCredentialsMissing(t *testing.T) {
	d, tools := setup(t, "ca.crt", "client.key")
	code, _ := runAction(d, "package-client-credentials")
	if code != 0 {
		t.Fatalf("exit %d, want 0 with action-fail", code)
	}
	if !strings.Contains(tools.ActionFailed, "/var/snap/etcd/common/client.crt is missing") {
		t.Errorf("action-fail = %q", tools.ActionFailed)
	}
	if _, err := os.Stat(d.Paths.Join("home/ubuntu/etcd_credentials.tar.gz")); !os.IsNotExist(err) {
		t.Errorf("archive written despite the failure: %v", err)
	}
}

// On a unit whose etcd was never configured every action fails with a
// message (action-fail, exit 0), none with a bare exit status.
func TestActionsFailClearlyBeforeEtcdIsConfigured(t *testing.T) {
	for _, name := range Names() {
		if name == "package-client-credentials" {
			continue
		}
		d, tools := setup(t)
		if code, _ := runAction(d, name); code != 0 {
			t.Errorf("%s: exit %d", name, code)
		}
		if tools.ActionFailed == "" {
			t.Errorf("%s: no action-fail", name)
		}
	}
	d, tools := setup(t)
	runAction(d, "no-such-action")
	if tools.ActionFailed != `action "no-such-action" is not defined by this charm` {
		t.Errorf("unknown action: action-fail = %q", tools.ActionFailed)
	}
}

func readTarGz(t *testing.T, path string) map[string]string { return testkit.ReadTarGz(t, path) }
