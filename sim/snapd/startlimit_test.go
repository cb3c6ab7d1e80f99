package snapd

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func TestStartLimitWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := newStartLimit(0, 0)
	for i := 0; i < DefaultStartLimitBurst; i++ {
		if !l.allow(t0.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("start %d refused inside the burst", i+1)
		}
	}
	if l.allow(t0.Add(9 * time.Second)) {
		t.Fatal("a sixth start within 10s allowed")
	}
	if !l.allow(t0.Add(10*time.Second + time.Millisecond)) {
		t.Fatal("a start after the window refused")
	}
	l.reset()
	if !l.allow(t0.Add(10*time.Second + 2*time.Millisecond)) {
		t.Fatal("a start after reset-failed refused")
	}
	off := newStartLimit(-1, 0)
	for i := 0; i < 100; i++ {
		if !off.allow(t0) {
			t.Fatal("StartLimitIntervalSec=0 limited starts")
		}
	}
}

func newTestSupervisor(t *testing.T, restartDelay time.Duration) (*supervisor, *logBook) {
	t.Helper()
	logs := newLogBook(t.TempDir())
	s := newSupervisor(logs, restartDelay, 2*time.Second)
	s.startLimit = newStartLimit(0, 0)
	t.Cleanup(s.stopAll)
	return s, logs
}

func (s *supervisor) stateOf(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.services[id].state
}

// A service that keeps failing is started burst times, then left failed,
// as systemd does, instead of restarted forever; a manual start inside the
// window is refused.
func TestSupervisorStopsAtStartLimit(t *testing.T) {
	s, logs := newTestSupervisor(t, 10*time.Millisecond)
	s.register("x.crash", procSpec{argv: []string{"/bin/sh", "-c", "exit 3"}})
	if err := s.start("x.crash"); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "start-limit-hit", func() bool {
		return strings.Contains(logText(logs, "x.crash"), "start-limit-hit")
	})
	if got := s.stateOf("x.crash"); got != "failed" {
		t.Fatalf("state %q after the start limit, want failed", got)
	}
	if n := strings.Count(logText(logs, "x.crash"), "Started Service"); n != DefaultStartLimitBurst {
		t.Fatalf("started %d times, want %d", n, DefaultStartLimitBurst)
	}
	if err := s.start("x.crash"); err == nil || !strings.Contains(err.Error(), "attempted too often") {
		t.Fatalf("manual start over the limit: %v", err)
	}
}

// kill -9 of a service is a failure: Restart=on-failure starts it again;
// SIGSTOP leaves it running (frozen) and SIGCONT thaws it.
func TestSupervisorSignals(t *testing.T) {
	s, _ := newTestSupervisor(t, 10*time.Millisecond)
	s.register("x.sleep", procSpec{argv: []string{"/bin/sleep", "600"}})
	if err := s.start("x.sleep"); err != nil {
		t.Fatal(err)
	}
	pid := s.pid("x.sleep")
	if _, err := s.signal("x.sleep", syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "process stopped", func() bool { return procState(pid) == "T" })
	if _, err := s.signal("x.sleep", syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "process thawed", func() bool { return procState(pid) == "S" })
	if _, err := s.signal("x.sleep", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "restarted after kill -9", func() bool { p := s.pid("x.sleep"); return p != 0 && p != pid })
	if err := s.stop("x.sleep"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.signal("x.sleep", syscall.SIGKILL); err == nil {
		t.Fatal("signalled a stopped service")
	}
}

func procState(pid int) string {
	data, err := readFileString("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return ""
	}
	return data[i+2 : i+3]
}

func logText(b *logBook, unit string) string {
	recs, _, _ := b.tail(map[string]bool{unit: true}, -1, false)
	var sb strings.Builder
	for _, r := range recs {
		sb.WriteString(r.Message + "\n")
	}
	return sb.String()
}

func readFileString(path string) (string, error) {
	data, err := os.ReadFile(path)
	return string(data), err
}

func itoa(n int) string { return strconv.Itoa(n) }
