package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// withBlockData copies charmDir with its data storage declared block.
func withBlockData(t *testing.T, charmDir string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "testcharm-block")
	if err := model.CopyTree(charmDir, dir); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(dir, "metadata.yaml")
	data, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	md := strings.Replace(string(data), "    type: filesystem\n    location: /srv/testdata\n", "    type: block\n", 1)
	if md == string(data) {
		t.Fatal("test charm's data storage changed; update this test")
	}
	if err := os.WriteFile(meta, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Juju's forms of the CLI against the test charm: refresh refused on a
// storage type change with Juju's text, exec by --unit/--application/
// --all (and the positional form), run on several units, wait-for with
// queries, show-unit, add-storage, status --watch and -m models.
func TestCLIAsJuju(t *testing.T) {
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "5", "--retry-backoff", "200ms")
	mustRun(t, run, "deploy", charmDir, "-n", "2")
	out := mustRun(t, run, "wait-for", "application", "testcharm", "--query", `status=="active"`, "--timeout", "60s")
	if !strings.HasSuffix(out, "application \"testcharm\" matched status==\"active\"\n") || !regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d application testcharm `).MatchString(out) {
		t.Errorf("wait-for application:\n%s", out)
	}
	mustRun(t, run, "wait-for", "unit", "testcharm/1", "--query", `workload-status=="active" && life=="alive"`, "--timeout", "60s")
	mustRun(t, run, "wait-for", "application", "testcharm", "--query", `forEach(units, unit => unit.workload-status=="active")`, "--timeout", "60s")
	mustRun(t, run, "wait-for", "--timeout", "60s")

	_, errOut, code := run("refresh", "testcharm", "--path", withBlockData(t, charmDir))
	if want := "ERROR cannot upgrade application \"testcharm\" to charm \"local:testcharm-1\": existing storage \"data\" type changed from \"filesystem\" to \"block\"\n"; code != 1 || errOut != want {
		t.Errorf("refresh to block storage: exit %d %q, want %q", code, errOut, want)
	}

	if out := mustRun(t, run, "exec", "--unit", "testcharm/0", "--", "echo", "$JUJU_UNIT_NAME"); out != "testcharm/0\n" {
		t.Errorf("exec --unit: %q", out)
	}
	if out := mustRun(t, run, "exec", "testcharm/1", "--", "echo $JUJU_UNIT_NAME"); out != "testcharm/1\n" {
		t.Errorf("exec positional: %q", out)
	}
	for _, args := range [][]string{{"--all"}, {"--application", "testcharm"}, {"-u", "testcharm/0,testcharm/1"}, {"--machine", "0,1"}} {
		out := mustRun(t, run, append(append([]string{"exec"}, args...), "--", "echo $JUJU_UNIT_NAME")...)
		for _, u := range []string{"testcharm/0", "testcharm/1"} {
			if !strings.Contains(out, u+":\n  id: ") || !strings.Contains(out, "    stdout: |\n      "+u+"\n") {
				t.Errorf("exec %v: no result for %s:\n%s", args, u, out)
			}
		}
	}
	if _, errOut, code := run("exec", "--", "hostname"); code != 2 || errOut != "ERROR You must specify a target, either through --all, --machine, --application or --unit\n" {
		t.Errorf("exec without a target: %d %q", code, errOut)
	}
	if _, _, code := run("exec", "--all", "--", "test $JUJU_UNIT_NAME = testcharm/0"); code != 1 {
		t.Errorf("exec --all with one failing unit: exit %d, want 1", code)
	}

	out, errOut, code = run("run", "testcharm/0", "testcharm/1", "echo", "msg=both")
	if code != 0 || !regexp.MustCompile(`^Running operation \d+ with 2 tasks\n  - task \d+ on unit-testcharm-0\n  - task \d+ on unit-testcharm-1\n`).MatchString(errOut) ||
		strings.Count(out, "out: both") != 2 || !strings.Contains(out, "testcharm/1:\n") {
		t.Errorf("run on two units: exit %d\n%s\n%s", code, out, errOut)
	}

	var both map[string]struct {
		Status  string         `json:"status"`
		Results map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, run, "run", "testcharm/0", "testcharm/1", "echo", "--format", "json")), &both); err != nil ||
		len(both) != 2 || both["testcharm/1"].Status != "completed" || both["testcharm/0"].Results["out"] != "hello" {
		t.Errorf("run on two units, json: %v %+v", err, both)
	}

	out = mustRun(t, run, "show-unit", "testcharm/0")
	for _, want := range []string{"testcharm/0:\n", "  machine: \"0\"\n", "  charm: local:testcharm-", "  leader: true\n", "  life: alive\n", "  - relation-id: ", "    endpoint: cluster\n", "    related-units:\n      testcharm/1:\n        in-scope: true\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show-unit lacks %q:\n%s", want, out)
		}
	}

	mustRun(t, run, "exec", "testcharm/0", "--", "status-set blocked 'need a hand'")
	_, errOut, code = run("wait-for", "unit", "testcharm/0", "--query", `workload-message=="never"`, "--timeout", "60s")
	if code != 1 || errOut != "ERROR unit \"testcharm/0\" is blocked: need a hand\n" {
		t.Errorf("wait-for on a blocked unit: exit %d %q", code, errOut)
	}
	mustRun(t, run, "wait-for", "unit", "testcharm/0", "--query", `workload-status=="blocked"`, "--timeout", "60s")

	// add-storage on a running unit: storage-attached runs for it.
	_, errOut, code = run("add-storage", "testcharm/0", "data=1")
	if code != 1 || !strings.Contains(errOut, "exceeding the maximum of 1") {
		t.Errorf("add-storage above max: %d %q", code, errOut)
	}

	// status --watch redraws until interrupted.
	watch := exec.Command(filepath.Join(cliBin, "jujusim"), "status", "--watch", "100ms")
	watch.Env = append(os.Environ(), "JUJUSIM_HOME="+home)
	var buf strings.Builder
	watch.Stdout = &buf
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	_ = watch.Process.Signal(syscall.SIGINT)
	if err := watch.Wait(); err != nil || strings.Count(buf.String(), "Model ") < 2 {
		t.Errorf("status --watch: %v, %d redraws:\n%s", err, strings.Count(buf.String(), "Model "), buf.String())
	}

	// -m picks another model's home; the default one is untouched.
	mustRun(t, run, "-m", "second", "bootstrap", "--seed", "1")
	t.Cleanup(func() { run("-m", "second", "destroy") })
	mustRun(t, run, "-m", "jujusim:second", "deploy", charmDir)
	mustRun(t, run, "-m", "second", "wait-for", "--timeout", "60s")
	if out := mustRun(t, run, "-m", "second", "status"); !regexp.MustCompile(`(?m)^second\s`).MatchString(out) || strings.Count(out, "testcharm/") != 1 {
		t.Errorf("status -m second:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(home, "models", "second", "controller.pid")); err != nil {
		t.Errorf("model second's home: %v", err)
	}
	if out := mustRun(t, run, "status"); strings.Count(out, "testcharm/") != 2 {
		t.Errorf("default model after -m second:\n%s", out)
	}
	if _, errOut, code := run("-m", "Bad_Name", "status"); code != 2 || !strings.Contains(errOut, `"Bad_Name" is not a valid model name`) {
		t.Errorf("-m Bad_Name: %d %q", code, errOut)
	}
	mustRun(t, run, "-m", "second", "destroy")
}

// make charm's per-platform builds on machines of an architecture: the
// arm64 build passes the architecture check on an arm64 machine, the
// amd64-only build is refused there with Juju's text, and so is the arm64
// build on the default (host) machine of an amd64 host.
func TestCLIArchitectures(t *testing.T) {
	etcdCharm := os.Getenv("ETCD_CHARM")
	if etcdCharm == "" {
		t.Skip("needs ETCD_CHARM (make charm's build/etcd.charm, with build/etcd_<arch>.charm beside it)")
	}
	arm64 := filepath.Join(filepath.Dir(etcdCharm), "etcd_arm64.charm")
	amd64 := filepath.Join(filepath.Dir(etcdCharm), "etcd_amd64.charm")
	run, _, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "2", "--retry-backoff", "1h")
	mustRun(t, run, "deploy", arm64, "etcd", "--constraints", "arch=arm64")
	_, errOut, code := run("deploy", amd64, "etcd-amd", "--constraints", "arch=arm64")
	if want := "ERROR cannot add application \"etcd-amd\": requested architecture \"arm64\" not found in available architectures [amd64]\n"; code != 1 || errOut != want {
		t.Errorf("amd64-only charm on arm64: exit %d %q, want %q", code, errOut, want)
	}
	_, errOut, code = run("add-unit", "etcd", "--constraints", "arch=s390x")
	if want := "ERROR cannot add unit to application \"etcd\": requested architecture \"s390x\" not found in available architectures [arm64]\n"; code != 1 || errOut != want {
		t.Errorf("arm64 charm on s390x: exit %d %q, want %q", code, errOut, want)
	}
	if runtime.GOARCH == "arm64" {
		return // the arm64 build runs natively here
	}
	_, errOut, code = run("deploy", arm64, "etcd-host")
	if !strings.Contains(errOut, `requested architecture "`+runtime.GOARCH+`" not found in available architectures [arm64]`) || code != 1 {
		t.Errorf("arm64 charm on the %s host's machine: exit %d %q", runtime.GOARCH, code, errOut)
	}
	// The arm64 dispatch passed the ELF check (no exec format error); it
	// is not started because jujusim does not emulate.
	deadline := time.Now().Add(30 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(home, controller.DebugLog))
		if strings.Contains(string(log), "jujusim does not emulate arm64") {
			if strings.Contains(string(log), "exec format error") {
				t.Errorf("the arm64 build failed the ELF check:\n%s", log)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd/0's hook did not report the emulation limit:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
