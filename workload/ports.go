package workload

import (
	"fmt"
	"net"
)

// ListenFree reports whether address (host:port) can be listened on now,
// by listening on it and closing at once: nil when it is free, else why
// not (EADDRINUSE from another process, or an address the machine does
// not have).
func ListenFree(address string) error {
	l, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", address, err)
	}
	return l.Close()
}
