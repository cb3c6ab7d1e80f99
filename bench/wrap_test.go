package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMachine makes a machine root, a tools directory holding two fake
// hook tools, and a fake charm binary that calls is-leader twice and
// status-set once, prints, and exits with code.
func fakeMachine(t *testing.T, code string) (root, real string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	tools := filepath.Join(dir, "tools")
	for _, d := range []string{root, tools} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range []string{"is-leader", "status-set"} {
		script := "#!/bin/sh\necho " + tool + " >> " + filepath.Join(dir, "real-calls") + "\n"
		if err := os.WriteFile(filepath.Join(tools, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	real = filepath.Join(dir, RealDispatch)
	charm := "#!/bin/sh\nis-leader; is-leader; status-set active\necho charm ran $1\nexit " + code + "\n"
	if err := os.WriteFile(real, []byte(charm), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", tools+":"+os.Getenv("PATH"))
	t.Setenv("SNAPPY_GLOBAL_ROOT", root)
	t.Setenv("JUJU_UNIT_NAME", "etcd/0")
	t.Setenv("JUJU_DISPATCH_PATH", "hooks/update-status")
	return root, real
}

func TestWrapRecordsTheCharmRun(t *testing.T) {
	for _, c := range []struct {
		code     string
		wantCode int
	}{{"0", 0}, {"3", 3}} {
		root, real := fakeMachine(t, c.code)
		var out bytes.Buffer
		if got := wrap("/unused", real, []string{"dispatch", "x"}, nil, &out, &out); got != c.wantCode {
			t.Errorf("exit code %d, want %d", got, c.wantCode)
		}
		if !strings.Contains(out.String(), "charm ran x") {
			t.Errorf("charm output not passed through: %q", out.String())
		}
		b, err := os.ReadFile(filepath.Join(root, HookLogPath))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"dispatch":"hooks/update-status"`) || !strings.Contains(string(b), `"unit":"etcd/0"`) ||
			!strings.Contains(string(b), `"code":`+c.code) || strings.Contains(string(b), "counted") {
			t.Errorf("record = %s", b)
		}
	}
}

// TestMain lets the test binary serve as the tool shim, as etcdbench does.
func TestMain(m *testing.M) {
	if IsToolShim(os.Args[0]) {
		err := ToolShim(os.Args)
		os.Stderr.WriteString("tool shim: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestWrapCountsToolCalls(t *testing.T) {
	root, real := fakeMachine(t, "0")
	flag := filepath.Join(root, CountFlagPath)
	if err := os.MkdirAll(filepath.Dir(flag), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := wrap(self, real, []string{"dispatch"}, nil, &out, &out); code != 0 {
		t.Fatalf("exit code %d: %s", code, out.String())
	}
	b, err := os.ReadFile(filepath.Join(root, HookLogPath))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"counted":true,"tool_calls":3`) {
		t.Errorf("record = %s", b)
	}
	// The real tools still ran, once per call.
	calls, err := os.ReadFile(filepath.Join(filepath.Dir(real), "real-calls"))
	if err != nil || string(calls) != "is-leader\nis-leader\nstatus-set\n" {
		t.Errorf("real tool calls = %q, %v", calls, err)
	}
}

func TestReadHookRecordsFromHome(t *testing.T) {
	home := t.TempDir()
	root := filepath.Join(home, "machines", "2", "root")
	if err := os.MkdirAll(filepath.Join(root, filepath.Dir(HookLogPath)), 0o755); err != nil {
		t.Fatal(err)
	}
	lines := `{"unit":"etcd/2","dispatch":"hooks/install","wall_ns":5000000,"maxrss_kb":2048,"code":0}
{"unit":"etcd/2","dispatch":"actions/health","wall_ns":7000000,"maxrss_kb":1024,"code":1,"counted":true,"tool_calls":4}
`
	if err := os.WriteFile(filepath.Join(root, HookLogPath), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadHookRecords(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Wall().Milliseconds() != 5 || !recs[1].Counted || recs[1].ToolCalls != 4 || recs[1].Code != 1 {
		t.Errorf("records = %+v", recs)
	}
	if err := os.WriteFile(filepath.Join(root, HookLogPath), []byte("{bad"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHookRecords(home); err == nil {
		t.Error("a corrupt log was read without error")
	}
}

func TestWrapCharm(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "charm")
	for name, body := range map[string]string{"dispatch": "charm", "metadata.yaml": "name: etcd\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self := filepath.Join(t.TempDir(), "etcdbench")
	if err := os.WriteFile(self, []byte("wrapper"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WrapCharm(src, dst, self); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"dispatch": "wrapper", RealDispatch: "charm", "metadata.yaml": "name: etcd\n"} {
		b, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if err := WrapCharm(t.TempDir(), filepath.Join(t.TempDir(), "x"), self); err == nil {
		t.Error("a charm without dispatch was wrapped")
	}
}
