package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// cliBin is the directory of the binaries the last cli call built.
var cliBin string

// cli builds jujusim, jujuc (next to it) and the test charm, and returns a
// runner of jujusim commands with JUJUSIM_HOME in a temp dir. The
// controller is destroyed (or killed) in cleanup.
func cli(t *testing.T) (run func(args ...string) (string, string, int), charmDir, home string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes (skipped with -short)")
	}
	bin := t.TempDir()
	cliBin = bin
	for _, b := range []struct{ out, pkg string }{
		{"jujusim", "./cmd/jujusim"}, {"jujuc", "./cmd/jujuc"}, {"dispatch", "./sim/testcharm"},
	} {
		if err := testkit.GoBuild(filepath.Join(bin, b.out), b.pkg, true); err != nil {
			t.Fatal(err)
		}
	}
	charmDir = filepath.Join(t.TempDir(), "testcharm")
	if err := model.CopyTree(filepath.Join(testkit.RepoRoot(), "sim/testcharm/charm"), charmDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(bin, "dispatch"), filepath.Join(charmDir, "dispatch")); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(t.TempDir(), "jujusim")
	run = func(args ...string) (string, string, int) {
		cmd := exec.Command(filepath.Join(bin, "jujusim"), args...)
		cmd.Env = append(os.Environ(), "JUJUSIM_HOME="+home)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	t.Cleanup(func() {
		data, err := os.ReadFile(filepath.Join(home, "controller.pid"))
		if err != nil {
			return
		}
		pid, _ := strconv.Atoi(string(data))
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			run("destroy")
		}
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return run, charmDir, home
}

func mustRun(t *testing.T, run func(...string) (string, string, int), args ...string) string {
	t.Helper()
	out, errOut, code := run(args...)
	if code != 0 {
		t.Fatalf("jujusim %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// The acceptance scenario: bootstrap, deploy -n 3, wait-for, status, run.
func TestCLIEndToEnd(t *testing.T) {
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "3", "--retry-backoff", "200ms")
	if _, errOut, code := run("bootstrap"); code == 0 || !strings.Contains(errOut, "already running") {
		t.Errorf("second bootstrap: %d %q", code, errOut)
	}
	mustRun(t, run, "deploy", charmDir, "-n", "3", "--config", "port=9000")
	mustRun(t, run, "wait-for", "--timeout", "60s", "--workload", "active")

	out := mustRun(t, run, "status")
	unitRow := regexp.MustCompile(`(?m)^(testcharm/\d)(\*?)\s+active\s+idle\s+(\d+)\s+(127\.0\.\d+\.\d+)\s+9000/tcp\s+ready$`)
	rows := unitRow.FindAllStringSubmatch(out, -1)
	leaders := 0
	for _, r := range rows {
		if r[2] == "*" {
			leaders++
		}
	}
	if len(rows) != 3 || leaders != 1 {
		t.Errorf("status: want 3 unit rows with one leader, got %d/%d:\n%s", len(rows), leaders, out)
	}
	if !regexp.MustCompile(`(?m)^testcharm\s+1\.0\s+active\s+3\s+testcharm\s+0\s+no\s+ready$`).MatchString(out) {
		t.Errorf("status app row:\n%s", out)
	}

	var st struct {
		Applications map[string]struct {
			Units map[string]struct {
				Workload struct{ Current string } `json:"workload-status"`
				Juju     struct{ Current string } `json:"juju-status"`
				Leader   bool                     `json:"leader"`
				Address  string                   `json:"public-address"`
				Ports    []string                 `json:"open-ports"`
			} `json:"units"`
		} `json:"applications"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, run, "status", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if u := st.Applications["testcharm"].Units["testcharm/0"]; !u.Leader || u.Workload.Current != "active" || u.Juju.Current != "idle" || u.Ports[0] != "9000/tcp" {
		t.Errorf("json status: %+v", u)
	}

	out, errOut, code := run("run", "testcharm/0", "echo", "msg=hi")
	if code != 0 || out != "nested:\n  key: v\nout: hi\nhello from echo\n" {
		t.Errorf("run echo: exit %d stdout %q", code, out)
	}
	if !strings.HasPrefix(errOut, "Running operation 1 with 1 task\n  - task 2 on unit-testcharm-0\n\nWaiting for task 2...\n") || !strings.Contains(errOut, " echoing hi\n") {
		t.Errorf("run echo stderr: %q", errOut)
	}
	out, errOut, code = run("run", "testcharm/1", "fail", "code=1")
	if code != 1 || out != "Action id 4 failed: exit status 3\n" ||
		!strings.HasSuffix(errOut, "ERROR the following task failed:\n - id \"4\" with return code 3\n\nuse 'juju show-task' to inspect the failure\n") {
		t.Errorf("run fail: exit %d stdout %q stderr %q", code, out, errOut)
	}
	out, _, code = run("run", "testcharm/1", "fail")
	if code != 0 || out != "Action id 6 failed: boom\n" {
		t.Errorf("run action-fail: exit %d stdout %q", code, out)
	}

	if out := mustRun(t, run, "show-task", "2"); !strings.Contains(out, "status: completed\n") || !strings.HasPrefix(out, "testcharm/0:\n  id: \"2\"\n") {
		t.Errorf("show-task: %q", out)
	}
	if out := mustRun(t, run, "show-status-log", "testcharm/0"); !regexp.MustCompile(`(?m)^\S+ \S+ \S+ \S+\s+workload\s+active\s+ready$`).MatchString(out) ||
		!strings.HasPrefix(out, "Time  ") {
		t.Errorf("show-status-log:\n%s", out)
	}
	out = mustRun(t, run, "exec", "testcharm/2", "--", "is-leader; echo $SNAPPY_GLOBAL_ROOT")
	if !strings.HasPrefix(out, "False\n"+home+"/machines/") {
		t.Errorf("exec: %q", out)
	}
	dst := filepath.Join(t.TempDir(), "events")
	mustRun(t, run, "scp", "testcharm/2:/testcharm/events.jsonl", dst)
	if data, err := os.ReadFile(dst); err != nil || !bytes.Contains(data, []byte(`"hook":"start"`)) {
		t.Errorf("scp: %v %q", err, data)
	}
	if out := mustRun(t, run, "debug-log", "--replay", "--no-tail", "--include", "testcharm/1"); !strings.Contains(out, "unit-testcharm-1: ") || strings.Contains(out, "unit-testcharm-0:") {
		t.Errorf("debug-log: %q", out)
	}

	// Errors: one line, non-zero exit, nothing applied.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deploy", "/nonexistent"}, "ERROR cannot read charm: stat /nonexistent: no such file or directory\n"},
		{[]string{"config", "testcharm", "port=abc"}, "ERROR option \"port\" expected int, got \"abc\"\n"},
		{[]string{"config", "testcharm", "nope=1"}, "ERROR unknown option \"nope\"\n"},
		{[]string{"run", "testcharm/0", "nope"}, "ERROR action \"nope\" not defined on unit \"testcharm/0\"\n"},
		{[]string{"remove-unit", "testcharm/9"}, "ERROR unit \"testcharm/9\" not found\n"},
		{[]string{"integrate", "testcharm", "nope"}, "ERROR application \"nope\" not found\n"},
	} {
		if _, errOut, code := run(tc.args...); code != 1 || errOut != tc.want {
			t.Errorf("jujusim %v: exit %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	if out := mustRun(t, run, "config", "testcharm", "port"); out != "9000\n" {
		t.Errorf("config port after failed set: %q", out)
	}

	data, _ := os.ReadFile(filepath.Join(home, "controller.pid"))
	pid, _ := strconv.Atoi(string(data))
	mustRun(t, run, "destroy")
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("home still exists after destroy: %v", err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("controller %d still running after destroy", pid)
	}
	if _, errOut, code := run("status"); code != 1 || !strings.Contains(errOut, "no controller running") {
		t.Errorf("status after destroy: %d %q", code, errOut)
	}
}

// killController sends sig to the controller of home and waits (up to 5s)
// for it to be gone.
func killController(t *testing.T, home string, sig syscall.Signal) {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(home, "controller.pid"))
	pid, _ := strconv.Atoi(string(data))
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// A restarted controller resumes the model without rerunning hooks.
func TestControllerRestartResumes(t *testing.T) {
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "1")
	mustRun(t, run, "deploy", charmDir, "-n", "2")
	mustRun(t, run, "wait-for", "--timeout", "60s")
	killController(t, home, syscall.SIGTERM)
	before, _ := os.ReadFile(filepath.Join(home, "logs/operations.log"))
	mustRun(t, run, "bootstrap")
	mustRun(t, run, "wait-for", "--timeout", "60s", "--workload", "active")
	after, _ := os.ReadFile(filepath.Join(home, "logs/operations.log"))
	if !bytes.Equal(before, after) {
		t.Errorf("restart reran operations:\n%s", after[len(before):])
	}
	if out := mustRun(t, run, "status"); !strings.Contains(out, "testcharm/1 ") {
		t.Errorf("status after restart:\n%s", out)
	}
	mustRun(t, run, "destroy")
}

// destroy cleans up after a controller that was killed.
func TestDestroyAfterControllerDied(t *testing.T) {
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap")
	mustRun(t, run, "deploy", charmDir)
	mustRun(t, run, "wait-for", "--timeout", "60s")
	killController(t, home, syscall.SIGKILL)
	if out := mustRun(t, run, "destroy"); !strings.Contains(out, "was not running") {
		t.Errorf("destroy: %q", out)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("home left: %v", err)
	}
}
