package snapd

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func serviceState(t *testing.T, cli *client.Client) *client.AppInfo {
	t.Helper()
	apps, err := cli.Apps([]string{"etcd.etcd"}, client.AppOptions{Service: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Fatalf("apps: %+v", apps)
	}
	return apps[0]
}

func logsOf(t *testing.T, cli *client.Client) string {
	t.Helper()
	ch, err := cli.Logs([]string{"etcd"}, client.LogOptions{N: -1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for l := range ch {
		b.WriteString(l.SID + ": " + l.Message + "\n")
	}
	return b.String()
}

// The etcd service as the snap's wrapper and snapd's unit make it: stopped
// with a hint while etcd.conf.yml is missing, running once it exists,
// restarted after kill -9, left alone after Stop.
func TestServiceSupervision(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35"), RestartDelay: 50 * time.Millisecond})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)

	testkit.WaitFor(t, 5*time.Second, "the wrapper to exit without a config", func() bool {
		return strings.Contains(logsOf(t, cli), "etcd is not configured")
	})
	if a := serviceState(t, cli); !a.Enabled || a.Active || a.Daemon != "simple" {
		t.Fatalf("without config: %+v", a)
	}

	conf := filepath.Join(d.cfg.Root, "var/snap/etcd/common/etcd.conf.yml")
	must(t, os.WriteFile(conf, []byte("name: x\n"), 0o644))
	id, err = cli.Restart([]string{"etcd.etcd"}, client.RestartOptions{})
	chg := mustDone(t, cli, id, err)
	if chg.Kind != "service-control" || chg.Summary != "Running service command" ||
		chg.Tasks[0].Kind != "exec-command" || chg.Tasks[0].Summary != "restart of [etcd.etcd]" {
		t.Fatalf("change %s %q %+v", chg.Kind, chg.Summary, chg.Tasks[0])
	}
	var names []string
	if err := chg.Get("snap-names", &names); err != nil || !reflect.DeepEqual(names, []string{"etcd"}) {
		t.Fatalf("snap-names %v %v", names, err)
	}
	if !serviceState(t, cli).Active {
		t.Fatal("not active after restart")
	}
	testkit.WaitFor(t, 5*time.Second, "etcd to log its arguments", func() bool {
		return strings.Contains(logsOf(t, cli), "etcd.etcd: fake etcd")
	})
	if logs := logsOf(t, cli); !strings.Contains(logs, "--config-file "+conf) {
		t.Fatalf("etcd not run with its config file:\n%s", logs)
	}

	pid := d.sup.pid("etcd.etcd")
	must(t, syscall.Kill(pid, syscall.SIGKILL))
	testkit.WaitFor(t, 5*time.Second, "a restart after kill -9", func() bool {
		p := d.sup.pid("etcd.etcd")
		return p != 0 && p != pid
	})
	if logs := logsOf(t, cli); !strings.Contains(logs, "status=killed, signal=killed") {
		t.Fatalf("no record of the kill:\n%s", logs)
	}

	id, err = cli.Stop([]string{"etcd"}, client.StopOptions{Disable: true})
	mustDone(t, cli, id, err)
	time.Sleep(200 * time.Millisecond) // several restart delays
	if a := serviceState(t, cli); a.Active || a.Enabled {
		t.Fatalf("after stop --disable: %+v", a)
	}
	if p := d.sup.pid("etcd.etcd"); p != 0 {
		t.Fatalf("stopped service runs as %d", p)
	}

	id, err = cli.Start([]string{"etcd.etcd"}, client.StartOptions{Enable: true})
	chg = mustDone(t, cli, id, err)
	if len(chg.Tasks) != 2 || chg.Tasks[0].Summary != "enable of [etcd.etcd]" || chg.Tasks[1].Summary != "start of [etcd.etcd]" {
		t.Fatalf("start --enable tasks: %+v", chg.Tasks)
	}
	if a := serviceState(t, cli); !a.Active || !a.Enabled {
		t.Fatalf("after start --enable: %+v", a)
	}
}

func TestAppsErrors(t *testing.T) {
	d, cli := withEtcd35(t)
	id, err := cli.Install("core", nil)
	mustDone(t, cli, id, err)

	apps, err := cli.Apps([]string{"etcd"}, client.AppOptions{})
	if err != nil || len(apps) != 2 || apps[0].Name != "etcd" || apps[1].Name != "etcdctl" || apps[1].Daemon != "" {
		t.Fatalf("apps: %+v %v", apps, err)
	}

	tests := []struct {
		name, method, path, body string
		status                   int
		kind, message            string
	}{
		{"unknown action", "POST", "/v2/apps", `{"action":"bounce","names":["etcd"]}`, 400, "", `unknown action "bounce"`},
		{"no names", "POST", "/v2/apps", `{"action":"start"}`, 400, "",
			"cannot perform operation on services without a list of services to operate on"},
		{"no services", "POST", "/v2/apps", `{"action":"start","names":["core"]}`, 404, "app-not-found", `snap "core" has no services`},
		{"unknown app", "GET", "/v2/apps?names=etcd.nope", "", 404, "app-not-found", `snap "etcd" has no app "nope"`},
		{"snap.etcd.etcd is not a name", "POST", "/v2/apps", `{"action":"start","names":["snap.etcd.etcd"]}`, 404, "snap-not-found", `snap "snap" not found`},
		{"logs of no service", "GET", "/v2/logs?names=core&n=10", "", 404, "app-not-found", "no matching services"},
		{"bad n", "GET", "/v2/logs?names=etcd&n=x", "", 400, "", `invalid value for n: "x": strconv.Atoi: parsing "x": invalid syntax`},
		{"wrong method", "PUT", "/v2/apps", "{}", 405, "", `method "PUT" not allowed`},
		{"unknown path", "GET", "/v2/nothing", "", 404, "", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			d.ServeHTTP(w, mustRequest(t, tc.method, tc.path, tc.body, ""))
			status, body := w.Code, w.Body.String()
			env := decodeEnvelope(t, body)
			if status != tc.status || env.StatusCode != tc.status || env.Type != "error" {
				t.Fatalf("status %d, envelope %+v, want %d", status, env, tc.status)
			}
			if env.Result.Kind != tc.kind || env.Result.Message != tc.message {
				t.Fatalf("got %q %q, want %q %q", env.Result.Kind, env.Result.Message, tc.kind, tc.message)
			}
		})
	}
	if _, err := cli.Restart(nil, client.RestartOptions{}); err != client.ErrNoNames {
		t.Fatalf("client-side no names: %v", err)
	}
}
