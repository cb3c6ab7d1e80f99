package snapd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// TestMain lets the test binary act as `jujusim snapd` in a child process,
// so a test can kill the daemon outright.
func TestMain(m *testing.M) {
	if args := os.Getenv("SNAPD_TEST_HELPER_ARGS"); args != "" {
		cmd := Command()
		cmd.SetArgs(strings.Split(args, "\x1f"))
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startHelperDaemon runs the snapd command in a child process.
func startHelperDaemon(t *testing.T, args ...string) (*exec.Cmd, *client.Client) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SNAPD_TEST_HELPER_ARGS="+strings.Join(args, "\x1f"))
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	var root string
	for i, a := range args {
		if a == "--root" {
			root = args[i+1]
		}
	}
	testkit.WaitFor(t, 20*time.Second, "the snapd socket", func() bool {
		_, err := os.Stat(SocketPath(root))
		return err == nil
	})
	return cmd, client.New(&client.Config{Socket: SocketPath(root), DisableAuth: true})
}

var fakePID = regexp.MustCompile(`fake etcd (\d+) `)

// startFakeService installs etcd with a config and returns the pid of its
// running service, read from the service's own log line.
func startFakeService(t *testing.T, cli *client.Client, root string) int {
	t.Helper()
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	must(t, os.WriteFile(filepath.Join(root, "var/snap/etcd/common/etcd.conf.yml"), []byte("x: y\n"), 0o644))
	id, err = cli.Restart([]string{"etcd"}, client.RestartOptions{})
	mustDone(t, cli, id, err)
	var pid int
	testkit.WaitFor(t, 10*time.Second, "the service's log line", func() bool {
		m := fakePID.FindStringSubmatch(logsOf(t, cli))
		if m == nil {
			return false
		}
		pid, _ = strconv.Atoi(m[1])
		return true
	})
	return pid
}

// gone reports whether pid has exited (a zombie counts as exited).
func gone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// kill -9 of the daemon takes its services with it (Pdeathsig).
func TestServicesDieWithTheDaemon(t *testing.T) {
	root := t.TempDir()
	daemon, cli := startHelperDaemon(t, "--root", root, "--bins", fakeBins(t, "3.5.35"))
	pid := startFakeService(t, cli, root)
	if gone(pid) {
		t.Fatalf("service pid %d not running", pid)
	}
	must(t, daemon.Process.Signal(syscall.SIGKILL))
	testkit.WaitFor(t, 10*time.Second, "the service to die with the daemon", func() bool { return gone(pid) })
}

// SIGTERM stops the daemon cleanly, services first.
func TestCommandStopsServicesOnSIGTERM(t *testing.T) {
	root := t.TempDir()
	daemon, cli := startHelperDaemon(t, "--root", root, "--bins", fakeBins(t, "3.5.35"), "--restart-delay", "50ms")
	pid := startFakeService(t, cli, root)
	must(t, daemon.Process.Signal(syscall.SIGTERM))
	testkit.WaitFor(t, 10*time.Second, "the service to stop", func() bool { return gone(pid) })
	testkit.WaitFor(t, 10*time.Second, "the socket to go", func() bool {
		_, err := os.Stat(SocketPath(root))
		return os.IsNotExist(err)
	})
	logs, _ := os.ReadFile(filepath.Join(root, "var/log/snap.etcd.etcd.log"))
	if !strings.Contains(string(logs), "fake etcd") {
		t.Fatalf("service log file:\n%s", logs)
	}
}

func TestCommandFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no root", []string{"--bins", "/x"}, "--root is required"},
		{"no store", []string{"--root", t.TempDir()}, "give --bins (or set ETCD_BINS) or --catalogue"},
		{"bad maintenance", []string{"--root", t.TempDir(), "--bins", "/x", "--maintenance", "nap"}, "--maintenance must be"},
		{"empty bins", []string{"--root", t.TempDir(), "--bins", t.TempDir()}, "run make etcd-bins"},
		{"positional", []string{"extra"}, "unknown command"},
	}
	t.Setenv("ETCD_BINS", "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := Command()
			cmd.SetArgs(tc.args)
			cmd.SetOut(new(strings.Builder))
			cmd.SetErr(new(strings.Builder))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := cmd.ExecuteContext(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
