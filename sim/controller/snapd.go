package controller

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

func sortStrings(s []string) { sort.Strings(s) }

// snapdProc is one machine's fake snapd child process.
type snapdProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startSnapdLocked starts the machine's snapd in the foreground as a child
// (inside its network namespace when isolated), serving
// <root>/run/snapd.socket. Its output goes to the machine's snapd.log.
func (c *Controller) startSnapdLocked(mc *model.Machine) error {
	if _, ok := c.snapds[mc.ID]; ok {
		return nil
	}
	argv := append(append([]string{}, c.cfg.Snapd...), "--root", mc.Root)
	if mc.NetNS != "" && c.ipPath != "" {
		argv = append([]string{c.ipPath, "netns", "exec", mc.NetNS}, argv...)
	}
	logf, err := os.OpenFile(filepath.Join(machineDir(c.cfg.Home, mc.ID), "snapd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("cannot start snapd on machine %s: %w", mc.ID, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own group (stopped as a whole); it dies with the controller even
	// if the controller is killed, so a restart can start a fresh one.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("cannot start snapd on machine %s: %w", mc.ID, err)
	}
	p := &snapdProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	c.snapds[mc.ID] = p
	sock := filepath.Join(mc.Root, "run/snapd.socket")
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			return nil
		}
		select {
		case <-p.done:
			delete(c.snapds, mc.ID)
			logPath := filepath.Join(machineDir(c.cfg.Home, mc.ID), "snapd.log")
			data, _ := os.ReadFile(logPath)
			return fmt.Errorf("cannot start snapd on machine %s: %s", mc.ID, lastLogLine(string(data)))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// stopSnapdLocked stops the machine's snapd: SIGTERM to its process group
// (snapd stops the services it started), SIGKILL after 5s.
func (c *Controller) stopSnapdLocked(id string) {
	p, ok := c.snapds[id]
	if !ok {
		return
	}
	delete(c.snapds, id)
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func lastLogLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return "it exited"
	}
	return strings.TrimPrefix(lines[len(lines)-1], "ERROR ")
}
