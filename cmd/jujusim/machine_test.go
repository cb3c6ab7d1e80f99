package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBins is an etcd-bins directory whose "etcd" logs a line and sleeps:
// enough for a machine's snapd to install and supervise the etcd snap
// without building real etcd.
func fakeBins(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "3.5.35")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"etcd":    "#!/bin/sh\necho \"fake etcd $$\"\nexec sleep 600\n",
		"etcdctl": "#!/bin/sh\necho etcdctl\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(dir)
}

// Hooks and exec see the machine's own snap, systemctl and journalctl,
// answered by that machine's snapd; snapd runs without --snapd.
func TestExecSeesTheMachinesSnapd(t *testing.T) {
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "1", "--etcd-bins", fakeBins(t))
	mustRun(t, run, "deploy", charmDir)
	mustRun(t, run, "wait-for", "--timeout", "60s")
	root := filepath.Join(home, "machines/0/root")

	out := mustRun(t, run, "exec", "testcharm/0", "--", "command -v snap systemctl journalctl")
	want := strings.Join([]string{root + "/usr/bin/snap", root + "/usr/bin/systemctl", root + "/usr/bin/journalctl"}, "\n") + "\n"
	if out != want {
		t.Fatalf("tools on PATH:\n%s\nwant:\n%s", out, want)
	}
	mustRun(t, run, "exec", "testcharm/0", "--", "snap install etcd --channel=3.5/stable")
	script := `echo "name: etcd0" > "$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common/etcd.conf.yml"
snap start etcd >/dev/null
snap set core refresh.timer=fri5
snap get core refresh.timer
systemctl is-active snap.etcd.etcd; echo "rc=$?"
snap stop etcd
systemctl is-active snap.etcd.etcd; echo "rc=$?"
journalctl -u snap.etcd.etcd -o cat | grep -c "fake etcd"`
	out = mustRun(t, run, "exec", "testcharm/0", "--", script)
	if out != "fri5\nactive\nrc=0\nStopped.\ninactive\nrc=3\n1\n" {
		t.Fatalf("exec output:\n%s", out)
	}
	_, errOut, code := run("exec", "testcharm/0", "--", "systemctl restart ssh")
	if code == 0 || !strings.Contains(errOut, "jujusim does not support") {
		t.Fatalf("unsupported systemctl: exit %d %q", code, errOut)
	}
}

// debug-log shows what the model's logging-config lets in (Juju's default
// <root>=INFO: juju-log INFO yes, DEBUG no); --level filters further.
func TestDebugLogHonoursLoggingConfig(t *testing.T) {
	run, charmDir, _ := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "1", "--no-snapd")
	mustRun(t, run, "deploy", charmDir)
	mustRun(t, run, "wait-for", "--timeout", "60s")
	if out := mustRun(t, run, "model-config", "logging-config"); out != "<root>=INFO\n" {
		t.Fatalf("default logging-config %q", out)
	}
	mustRun(t, run, "exec", "testcharm/0", "--", "juju-log --debug early-debug; juju-log early-info; juju-log -l WARNING early-warning")
	mustRun(t, run, "model-config", "logging-config=<root>=DEBUG")
	mustRun(t, run, "exec", "testcharm/0", "--", "juju-log --debug late-debug")
	log := mustRun(t, run, "debug-log", "--replay", "--no-tail")
	for _, s := range []string{"INFO unit.testcharm/0.juju-log installing testcharm/0", "INFO unit.testcharm/0.juju-log early-info", "DEBUG unit.testcharm/0.juju-log late-debug"} {
		if !strings.Contains(log, s) {
			t.Errorf("debug-log lacks %q:\n%s", s, log)
		}
	}
	if strings.Contains(log, "early-debug") {
		t.Errorf("debug-log shows a DEBUG line logged at <root>=INFO:\n%s", log)
	}
	warn := mustRun(t, run, "debug-log", "--replay", "--no-tail", "--level", "WARNING")
	if !strings.Contains(warn, "early-warning") || strings.Contains(warn, "early-info") || strings.Contains(warn, "late-debug") {
		t.Errorf("debug-log --level WARNING:\n%s", warn)
	}
	if _, errOut, code := run("model-config", "logging-config=<root>=LOUD"); code == 0 || !strings.Contains(errOut, "unknown severity level") {
		t.Errorf("bad logging-config: exit %d %q", code, errOut)
	}
	if _, errOut, code := run("model-config", "default-series=jammy"); code == 0 || !strings.Contains(errOut, "jujusim does not support model-config key") {
		t.Errorf("unsupported key: exit %d %q", code, errOut)
	}
}

// scp reads as the machine's ubuntu user: a root-only 0600 file is refused
// with scp's text, ubuntu's own files and world-readable ones are copied.
func TestScpReadsAsUbuntu(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to uid 1000")
	}
	run, charmDir, home := cli(t)
	mustRun(t, run, "bootstrap", "--seed", "1", "--no-snapd")
	mustRun(t, run, "deploy", charmDir)
	mustRun(t, run, "wait-for", "--timeout", "60s")
	mustRun(t, run, "exec", "testcharm/0", "--", `r=$SNAPPY_GLOBAL_ROOT
mkdir -p $r/etc/secret $r/srv
echo key > $r/etc/secret.key; chmod 600 $r/etc/secret.key
echo pub > $r/etc/public.txt; chmod 644 $r/etc/public.txt
echo hidden > $r/etc/secret/inner.txt; chmod 644 $r/etc/secret/inner.txt; chmod 700 $r/etc/secret
echo mine > $r/home/ubuntu/mine.txt; chmod 600 $r/home/ubuntu/mine.txt; chown 1000:1000 $r/home/ubuntu/mine.txt
echo theirs > $r/home/ubuntu/root.txt; chmod 600 $r/home/ubuntu/root.txt
ln -s /etc/public.txt $r/srv/link.txt`)
	dst := t.TempDir()
	for _, tc := range []struct{ src, want string }{
		{"testcharm/0:/etc/public.txt", "pub\n"},
		{"testcharm/0:mine.txt", "mine\n"}, // relative: ubuntu's home
		{"testcharm/0:/srv/link.txt", "pub\n"},
	} {
		out := filepath.Join(dst, "out")
		mustRun(t, run, "scp", tc.src, out)
		if data, _ := os.ReadFile(out); string(data) != tc.want {
			t.Errorf("scp %s: %q, want %q", tc.src, data, tc.want)
		}
	}
	for _, tc := range []struct{ src, msg string }{
		{"testcharm/0:/etc/secret.key", "scp: /etc/secret.key: Permission denied\nERROR exit status 1\n"},
		{"testcharm/0:/etc/secret/inner.txt", "scp: /etc/secret/inner.txt: Permission denied\nERROR exit status 1\n"},
		{"testcharm/0:/home/ubuntu/root.txt", "scp: /home/ubuntu/root.txt: Permission denied\nERROR exit status 1\n"},
		{"testcharm/0:/etc/nothing", "scp: /etc/nothing: No such file or directory\nERROR exit status 1\n"},
	} {
		_, errOut, code := run("scp", tc.src, filepath.Join(dst, "refused"))
		if code != 1 || errOut != tc.msg {
			t.Errorf("scp %s: exit %d stderr %q; want 1 %q", tc.src, code, errOut, tc.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "refused")); err == nil {
		t.Errorf("a refused scp wrote its destination")
	}
	if fi, err := os.Stat(filepath.Join(home, "machines/0/root/home/ubuntu")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("ubuntu's home: %v %v", fi, err)
	}
}
