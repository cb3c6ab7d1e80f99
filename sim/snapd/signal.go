package snapd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
)

// signals are the ones a fault may send, by the names kill(1) takes.
var signals = map[string]syscall.Signal{
	"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM, "STOP": syscall.SIGSTOP, "CONT": syscall.SIGCONT,
}

// SignalRequest is the body of POST /jujusim/signal: send Signal to the
// process group of a running service ("etcd.etcd"), as `systemctl kill
// --signal=SIG snap.etcd.etcd` does; an empty Service signals every one. The supervisor sees a killed process
// as any other failure (Restart=on-failure, the start limit).
type SignalRequest struct {
	Service string `json:"service"`
	Signal  string `json:"signal"`
}

// signal sends sig to the service's process group; it answers the pid it
// signalled.
func (s *supervisor) signal(id string, sig syscall.Signal) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[id]
	if !ok {
		return 0, fmt.Errorf("cannot signal %s: unit not found", id)
	}
	if svc.cmd == nil {
		return 0, fmt.Errorf("cannot signal %s: it is not running", id)
	}
	pid := svc.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil {
		return 0, fmt.Errorf("cannot signal %s: %w", id, err)
	}
	return pid, nil
}

// signalAll sends sig to every running service (a machine going down);
// it answers how many it signalled.
func (s *supervisor) signalAll(sig syscall.Signal) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, svc := range s.services {
		if svc.cmd != nil && syscall.Kill(-svc.cmd.Process.Pid, sig) == nil {
			n++
		}
	}
	return n
}

// postSignal is jujusim's own control endpoint, not part of snapd's API.
func (d *Daemon) postSignal(r *http.Request) reply {
	var req SignalRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return errorReply(badRequest("cannot decode signal request: %v", err))
	}
	sig, ok := signals[req.Signal]
	if !ok {
		return errorReply(badRequest("signal must be KILL, TERM, STOP or CONT, not %q", req.Signal))
	}
	if req.Service == "" {
		return syncReply(map[string]int{"pid": d.sup.signalAll(sig)})
	}
	pid, err := d.sup.signal(req.Service, sig)
	if err != nil {
		return errorReply(badRequest("%v", err))
	}
	return syncReply(map[string]int{"pid": pid})
}
