package workload

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

func TestListenFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	busy := l.Addr().String()
	// The hooks tell a port in use by errors.Is, whatever wraps it.
	if err := ListenFree(busy); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("ListenFree(%s) = %v while the test listens there, want EADDRINUSE", busy, err)
	}
	l.Close()
	if err := ListenFree(busy); err != nil {
		t.Errorf("ListenFree(%s) after close = %v", busy, err)
	}
}
