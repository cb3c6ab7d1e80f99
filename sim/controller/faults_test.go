package controller

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A reboot kills the machine's snapd (and its services) and starts a new
// one; the unit runs its start hook again, as Juju's uniter does after a
// reboot. A powered-off machine runs no more hooks and refuses faults.
func TestRebootAndPowerOff(t *testing.T) {
	c := startWithSnapd(t, testCharm(t)) // skips with -short
	oldPid := snapdPid(c, "0")
	starts := strings.Count(hooks(events(t, c, "testcharm/0")), "start")

	if err := c.Reboot("testcharm/0"); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(oldPid, 0) == nil {
		t.Errorf("snapd %d survived the reboot", oldPid)
	}
	waitIdle(t, c, 60*time.Second)
	if got := strings.Count(hooks(events(t, c, "testcharm/0")), "start"); got != starts+1 {
		t.Errorf("start hooks %d after a reboot, want %d: %s", got, starts+1, hooks(events(t, c, "testcharm/0")))
	}
	newPid := snapdPid(c, "0")
	if newPid == oldPid || syscall.Kill(newPid, 0) != nil {
		t.Errorf("no new snapd after the reboot (old %d, new %d)", oldPid, newPid)
	}
	if _, err := c.Signal("0", "etcd.etcd", "KILL"); err == nil || !strings.Contains(err.Error(), "unit not found") {
		t.Errorf("kill of a service the machine lacks: %v", err)
	}

	if err := c.PowerOff("0"); err != nil {
		t.Fatal(err)
	}
	if syscall.Kill(newPid, 0) == nil {
		t.Errorf("snapd %d survived the power-off", newPid)
	}
	if err := c.Reboot("0"); err == nil || !strings.Contains(err.Error(), "powered off") {
		t.Errorf("reboot of a powered-off machine: %v", err)
	}
	c.mu.Lock()
	off := c.poweredOffLocked("testcharm/0")
	c.mu.Unlock()
	if !off {
		t.Error("unit's machine not powered off")
	}
}
