package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// signalRequest is the body of the fake snapd's POST /jujusim/signal
// (sim/snapd.SignalRequest; the controller talks to snapd over its socket
// only).
type signalRequest struct {
	Service string `json:"service"`
	Signal  string `json:"signal"`
}

// Fault partitions (cut) or heals a unit's machine.
func (c *Controller) Fault(unit string, cut bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.partitionLocked(unit, cut)
}

// The process faults act on a snap service of a unit's machine; the etcd
// charm's is etcd.etcd.
const defaultFaultService = "etcd.etcd"

// Signal sends sig ("KILL", "STOP", "CONT", "TERM") to a snap service of
// a unit's machine (service "" is etcd.etcd), as `systemctl kill` would:
// kill -9 of etcd, a freeze (STOP) and a thaw (CONT). The machine's
// supervisor treats a killed service as systemd does (Restart=on-failure,
// the start limit).
func (c *Controller) Signal(target, service, sig string) (int, error) {
	c.mu.Lock()
	mc, err := c.faultMachineLocked(target)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if service == "" {
		service = defaultFaultService
	}
	var res struct{ Pid int }
	if err := snapdControl(mc.Root, "/jujusim/signal", signalRequest{Service: service, Signal: sig}, &res); err != nil {
		return 0, fmt.Errorf("cannot send SIG%s to %s on machine %s: %w", sig, service, mc.ID, err)
	}
	return res.Pid, nil
}

// Reboot is a machine's unclean restart: every process on it dies at once
// (its services with SIGKILL, then its snapd), snapd comes back and starts
// the enabled services as systemd does at boot, and each unit agent runs
// the start hook, as Juju's uniter does after a reboot.
func (c *Controller) Reboot(target string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	mc, err := c.faultMachineLocked(target)
	if err != nil {
		return err
	}
	c.killMachineLocked(mc)
	if err := c.startMachineLocked(mc); err != nil {
		return fmt.Errorf("cannot boot machine %s: %w", mc.ID, err)
	}
	for _, u := range c.unitsOnLocked(mc.ID) {
		if u.AgentState.Installed {
			u.AgentState.Started = false
		}
	}
	if err := c.saveLocked(); err != nil {
		return err
	}
	c.kick()
	return nil
}

// PowerOff kills a machine for good: its processes die, nothing comes
// back, and its unit agents run no more hooks (the unit stays in the
// model, as a machine that is down does in Juju until remove-unit --force).
func (c *Controller) PowerOff(target string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	mc, err := c.faultMachineLocked(target)
	if err != nil {
		return err
	}
	for _, u := range c.unitsOnLocked(mc.ID) {
		if cancel, ok := c.running[u.Name]; ok {
			cancel()
		}
	}
	c.killMachineLocked(mc)
	mc.PoweredOff = true
	return c.saveLocked()
}

// killMachineLocked SIGKILLs every service of the machine and its snapd.
func (c *Controller) killMachineLocked(mc *model.Machine) {
	_ = snapdControl(mc.Root, "/jujusim/signal", signalRequest{Signal: "KILL"}, nil)
	p, ok := c.snapds[mc.ID]
	if !ok {
		return
	}
	delete(c.snapds, mc.ID)
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// faultMachineLocked resolves a unit name or a machine id to a machine
// that is up.
func (c *Controller) faultMachineLocked(target string) (*model.Machine, error) {
	id := target
	if strings.Contains(target, "/") {
		u, err := c.model.Unit(target)
		if err != nil {
			return nil, err
		}
		id = u.Machine
	}
	mc, ok := c.model.Machines[id]
	if !ok {
		return nil, fmt.Errorf("machine %q not found", id)
	}
	if mc.PoweredOff {
		return nil, fmt.Errorf("machine %s is powered off", id)
	}
	return mc, nil
}

func (c *Controller) unitsOnLocked(machine string) []*model.Unit {
	var out []*model.Unit
	for _, n := range c.model.UnitNames() {
		if u := c.model.Units[n]; u.Machine == machine {
			out = append(out, u)
		}
	}
	return out
}

// poweredOffLocked reports whether a unit's machine is down for good.
func (c *Controller) poweredOffLocked(unit string) bool {
	u := c.model.Units[unit]
	if u == nil {
		return false
	}
	mc := c.model.Machines[u.Machine]
	return mc != nil && mc.PoweredOff
}

// snapdControl posts body to one of the fake snapd's jujusim endpoints and
// decodes the envelope's result into res.
func snapdControl(root, path string, body, res any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", filepath.Join(root, "run", "snapd.socket"))
		},
	}}
	resp, err := cl.Post("http://snapd"+path, "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("cannot decode snapd's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(env.Result, &e)
		return fmt.Errorf("%s", e.Message)
	}
	if res == nil {
		return nil
	}
	return json.Unmarshal(env.Result, res)
}
