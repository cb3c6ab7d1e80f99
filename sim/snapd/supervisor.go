package snapd

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// procSpec is how a service is run: what systemd's unit for it says.
type procSpec struct {
	argv []string
	env  []string
	dir  string
}

// service is one snap service (systemd unit snap.<snap>.<app>.service, type
// simple, Restart=on-failure as snapd writes it). want is systemd's job
// state: true once started, false once stopped or after a clean exit.
type service struct {
	id    string // <snap>.<app>, the name in the snapd API and the log sid
	spec  procSpec
	want  bool
	cmd   *exec.Cmd
	done  chan struct{} // closed when cmd exits
	timer *time.Timer   // a pending auto-restart
	state string        // inactive, active, activating (auto-restart), failed
	limit startLimit
}

// supervisor runs services like systemd: each process in its own process
// group with a parent-death signal, so nothing outlives the daemon; a
// process that fails (non-zero exit or killed by a signal) is restarted
// after restartDelay; a clean exit leaves the service stopped.
type supervisor struct {
	logs         *logBook
	restartDelay time.Duration
	startLimit   startLimit // the template every service's limit copies
	stopTimeout  time.Duration
	spawnReq     chan spawnRequest

	mu       sync.Mutex
	services map[string]*service
}

type spawnRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

func serviceID(snapName, app string) string { return snapName + "." + app }

func newSupervisor(logs *logBook, restartDelay, stopTimeout time.Duration) *supervisor {
	s := &supervisor{logs: logs, restartDelay: restartDelay, stopTimeout: stopTimeout,
		spawnReq: make(chan spawnRequest), services: map[string]*service{}}
	go s.spawner()
	return s
}

// spawner starts every process from one locked OS thread: Pdeathsig fires
// when the thread that forked the child exits, and a locked thread that
// never exits ties the children to the daemon process itself.
func (s *supervisor) spawner() {
	runtime.LockOSThread()
	for req := range s.spawnReq {
		req.reply <- req.cmd.Start()
	}
}

// register adds or updates a service's spec (on link of a new revision).
func (s *supervisor) register(id string, spec procSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[id]
	if !ok {
		svc = &service{id: id, state: "inactive", limit: s.startLimit}
		s.services[id] = svc
	}
	svc.spec = spec
}

// forget drops a service that has been stopped.
func (s *supervisor) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if svc, ok := s.services[id]; ok && svc.cmd == nil {
		delete(s.services, id)
	}
}

func (s *supervisor) active(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[id]
	return ok && svc.cmd != nil
}

// pid is the main pid of a running service, 0 when it is not running.
func (s *supervisor) pid(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if svc, ok := s.services[id]; ok && svc.cmd != nil {
		return svc.cmd.Process.Pid
	}
	return 0
}

// start is systemctl start: a no-op for a running service.
func (s *supervisor) start(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, ok := s.services[id]
	if !ok {
		return fmt.Errorf("cannot start %s: unit not found", id)
	}
	svc.want = true
	if svc.timer != nil {
		svc.timer.Stop()
		svc.timer = nil
	}
	if svc.cmd != nil {
		return nil
	}
	if !svc.limit.allow(time.Now()) {
		s.startLimitHitLocked(svc)
		return fmt.Errorf("cannot start %s: start of the service was attempted too often", id)
	}
	return s.spawnLocked(svc)
}

// restart is systemctl restart: stop (if running), then start.
func (s *supervisor) restart(id string) error {
	if err := s.stop(id); err != nil {
		return err
	}
	return s.start(id)
}

// stop is systemctl stop: SIGTERM to the process group, SIGKILL after the
// stop timeout, and no auto-restart.
func (s *supervisor) stop(id string) error {
	s.mu.Lock()
	svc, ok := s.services[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("cannot stop %s: unit not found", id)
	}
	svc.want = false
	if svc.timer != nil {
		svc.timer.Stop()
		svc.timer = nil
	}
	cmd, done := svc.cmd, svc.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(s.stopTimeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	// Reap stragglers left in the group (a wrapper's children).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

// stopAll stops every service (daemon shutdown).
func (s *supervisor) stopAll() {
	s.mu.Lock()
	ids := slices.Collect(maps.Keys(s.services))
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.stop(id)
		}()
	}
	wg.Wait()
}

// spawnLocked starts svc's process. Called with s.mu held.
func (s *supervisor) spawnLocked(svc *service) error {
	if len(svc.spec.argv) == 0 {
		return fmt.Errorf("cannot start %s: no command", svc.id)
	}
	cmd := exec.Command(svc.spec.argv[0], svc.spec.argv[1:]...)
	cmd.Env = svc.spec.env
	cmd.Dir = svc.spec.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	lw := s.logs.writer(svc.id)
	cmd.Stdout, cmd.Stderr = lw, lw
	cmd.WaitDelay = time.Second
	reply := make(chan error, 1)
	s.spawnReq <- spawnRequest{cmd: cmd, reply: reply}
	if err := <-reply; err != nil {
		s.logs.add(svc.id, 0, fmt.Sprintf("Failed to execute %s: %v", svc.spec.argv[0], err))
		svc.state = "failed"
		s.scheduleRestartLocked(svc)
		return nil // systemd reports the unit failed, not the start job
	}
	lw.setPID(cmd.Process.Pid)
	svc.cmd, svc.done, svc.state = cmd, make(chan struct{}), "active"
	s.logs.add(svc.id, 1, "Started Service for snap application "+svc.id+".")
	go s.wait(svc, cmd, svc.done)
	return nil
}

func (s *supervisor) wait(svc *service, cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	svc.cmd = nil
	close(done)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		// A simple service that exits 0 is done: not restarted.
		svc.state, svc.want = "inactive", false
		s.logs.add(svc.id, 1, "snap."+svc.id+".service: Succeeded.")
	case !svc.want:
		svc.state = "inactive"
	case errors.As(err, &exitErr):
		s.logs.add(svc.id, 1, "snap."+svc.id+".service: Main process exited, status="+exitStatus(exitErr))
		svc.state = "failed"
		s.scheduleRestartLocked(svc)
	default:
		s.logs.add(svc.id, 1, "snap."+svc.id+".service: "+err.Error())
		svc.state = "failed"
		s.scheduleRestartLocked(svc)
	}
}

func exitStatus(e *exec.ExitError) string {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed, signal=" + ws.Signal().String()
	}
	return "exited, code=" + strconv.Itoa(e.ExitCode())
}

// scheduleRestartLocked is Restart=on-failure with RestartSec. Called with
// s.mu held.
func (s *supervisor) scheduleRestartLocked(svc *service) {
	if !svc.want {
		return
	}
	svc.state = "activating"
	svc.timer = time.AfterFunc(s.restartDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !svc.want || svc.cmd != nil || s.services[svc.id] != svc {
			return
		}
		svc.timer = nil
		s.logs.add(svc.id, 1, "snap."+svc.id+".service: Scheduled restart job.")
		if !svc.limit.allow(time.Now()) {
			s.startLimitHitLocked(svc)
			return
		}
		_ = s.spawnLocked(svc)
	})
}

// startLimitHitLocked is systemd giving up on a unit: failed, no more
// automatic restarts. Called with s.mu held.
func (s *supervisor) startLimitHitLocked(svc *service) {
	svc.state, svc.want = "failed", false
	s.logs.add(svc.id, 1, "snap."+svc.id+".service: Start request repeated too quickly.")
	s.logs.add(svc.id, 1, "snap."+svc.id+".service: Failed with result 'start-limit-hit'.")
	s.logs.add(svc.id, 1, "Failed to start Service for snap application "+svc.id+".")
}

// lineWriter turns a process's output into log records, one per line.
type lineWriter struct {
	book *logBook
	sid  string
	mu   sync.Mutex
	pid  int
	buf  []byte
}

func (w *lineWriter) setPID(pid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pid = pid
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.book.add(w.sid, w.pid, string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 { // a runaway line: flush it
		w.book.add(w.sid, w.pid, string(w.buf))
		w.buf = nil
	}
	return len(p), nil
}
