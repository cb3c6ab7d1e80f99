package testkit

import (
	"bytes"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// FreePort returns a TCP port free on ip (a loopback address the test
// picked) at the time of the call.
func FreePort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("cannot find a free port on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pollInterval is how often Poll tries again.
const pollInterval = 20 * time.Millisecond

// Poll calls cond until it returns true or d has passed and says whether
// it held, for callers that explain a timeout themselves. Like Eventually
// and WaitFor it bounds a wait for a process; it is not a speed assertion.
func Poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
}

// Eventually polls cond until it returns nil and fails the test with the
// last error if it still fails after d.
func Eventually(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	var err error
	if !Poll(d, func() bool { err = cond(); return err == nil }) {
		t.Fatalf("%s: still failing after %v: %v", what, d, err)
	}
}

// WaitFor polls cond until it holds and fails the test if it does not
// within d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(d, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// LockedBuffer collects a process's stdout and stderr from several
// goroutines; it keeps the first MiB, enough to say why a process failed.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RepoRoot is the repository's root directory, found from this source
// file's place in it (tests run with the source present).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
