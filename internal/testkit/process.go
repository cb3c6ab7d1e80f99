package testkit

import (
	"os"
	"syscall"
	"time"
)

// Terminate stops a process the test started: SIGTERM, then SIGKILL if
// exited (closed once the process has been waited for) is not closed
// within grace. It returns once the process has exited.
func Terminate(p *os.Process, exited <-chan struct{}, grace time.Duration) {
	p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		p.Kill()
		<-exited
	}
}
