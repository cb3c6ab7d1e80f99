package testkit

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	calls := 0
	if !Poll(time.Minute, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Errorf("Poll stopped after %d calls, want true on the 3rd", calls)
	}
	calls = 0
	if Poll(0, func() bool { calls++; return false }) || calls != 1 {
		t.Errorf("Poll(0) of a false condition: %d calls, want false after one", calls)
	}
}

func TestRepoRootHoldsTheModule(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "go.mod"))
	if err != nil || !strings.HasPrefix(string(data), "module github.com/etcd-charm/etcd-charm\n") {
		t.Errorf("RepoRoot() = %s: go.mod %q, %v", RepoRoot(), data, err)
	}
}

func TestFreePortIsFree(t *testing.T) {
	port := FreePort(t, "127.0.0.1")
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("FreePort gave %d, which cannot be listened on: %v", port, err)
	}
	l.Close()
}

func TestLockedBufferKeepsTheFirstMiB(t *testing.T) {
	var b LockedBuffer
	chunk := strings.Repeat("x", 1<<19)
	for i := 0; i < 4; i++ {
		if n, err := b.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := len(b.String()); got < 1<<20 || got > 1<<20+len(chunk) {
		t.Errorf("kept %d bytes, want about 1 MiB", got)
	}
}
