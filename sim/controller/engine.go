package controller

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// loop is the seeded scheduler. Each unit agent runs one operation at a
// time. Among the units that have an operation and are not busy, the next
// to start is drawn with the model's seeded RNG. With concurrency 1 (the
// default) each operation runs to completion before the next draw, so the
// interleaving is a function of the seed and the CLI calls alone: a
// scenario replays exactly and another seed explores another order. With
// more, up to that many units run at once, like Juju's agents. (Timers —
// retries, update-status — depend on the wall clock.)
func (c *Controller) loop() {
	defer close(c.loopDone)
	for {
		select {
		case <-c.closing:
			return
		default:
		}
		c.mu.Lock()
		limit := c.model.Concurrency
		if limit < 1 {
			limit = 1
		}
		now := c.now()
		var cands []agent.Op
		var wake time.Time
		for _, name := range c.model.UnitNames() {
			if _, busy := c.running[name]; busy || c.poweredOffLocked(name) {
				continue
			}
			op, ok, w := agent.NextOp(c.model, name, now)
			if ok {
				cands = append(cands, op)
			} else if !w.IsZero() && (wake.IsZero() || w.Before(wake)) {
				wake = w
			}
		}
		if len(cands) == 0 || len(c.running) >= limit {
			if len(cands) == 0 && len(c.running) == 0 {
				c.settled = true
			}
			c.mu.Unlock()
			var timer <-chan time.Time
			var t *time.Timer
			if !wake.IsZero() {
				t = time.NewTimer(time.Until(wake) + time.Millisecond)
				timer = t.C
			}
			select {
			case <-c.closing:
				return
			case <-c.wake:
			case <-timer:
			}
			if t != nil {
				t.Stop()
			}
			continue
		}
		c.settled = false
		op := cands[c.rng.Intn(len(cands))]
		ctx, cancel := context.WithCancel(context.Background())
		c.running[op.Unit] = cancel
		c.busy.Add(1)
		c.mu.Unlock()
		run := func() {
			defer c.busy.Done()
			c.execute(ctx, op)
			cancel()
			c.mu.Lock()
			delete(c.running, op.Unit)
			c.kick()
			c.mu.Unlock()
		}
		if limit == 1 {
			run()
		} else {
			go run()
		}
	}
}

// Settled reports whether no unit has an operation to run right now.
func (c *Controller) Settled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settled
}

func (c *Controller) opsLine(format string, args ...any) {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	if c.opsLog != nil {
		fmt.Fprintf(c.opsLog, format+"\n", args...)
	}
}

// execute runs one operation. The lock is released while the process runs
// so its hook-tool calls can reach the model.
func (c *Controller) execute(runCtx context.Context, op agent.Op) {
	c.mu.Lock()
	m := c.model
	u := m.Units[op.Unit]
	if u == nil || m.Machines[u.Machine] == nil {
		c.mu.Unlock()
		return // removed (--force) since it was picked
	}
	if op.Kind == agent.OpRemove {
		c.removeUnitLocked(op.Unit)
		c.afterOpLocked()
		c.mu.Unlock()
		return
	}
	now := c.now()
	agent.Prepare(m, op, now)
	mc := m.Machines[u.Machine]
	paths := agent.UnitPaths(mc.Root, u.Name)
	if op.Kind == agent.OpHook && op.Hook.Kind == "upgrade-charm" {
		// The agent deploys the new charm before running upgrade-charm.
		if err := c.deployCharmLocked(m.Applications[u.App], paths); err != nil {
			c.logLine(u.Name, "ERROR", "juju.worker.uniter.charm", err.Error())
		}
	}
	name := describe(m, op)
	ctxID := fmt.Sprintf("%s-%s-%d", u.Name, name, c.rng.Int63())
	hctx := agent.NewContext(c.shared, ctxID, op, paths)
	env := agent.Env(agent.EnvConfig{
		ModelUUID:  m.UUID,
		ModelName:  m.Name,
		APIAddress: "127.0.0.1:17070",
		Socket:     c.jujucSocket(),
		MachineID:  mc.ID,
		Paths:      paths,
	}, ctxID, m, op)
	var argv []string
	var stdin []byte
	handler := ""
	switch op.Kind {
	case agent.OpExec:
		argv = []string{"/bin/bash", "-s"}
		stdin = []byte(m.Actions[op.ActionID].Command)
		m.Actions[op.ActionID].Status = "running"
		m.Actions[op.ActionID].Started = now
	default:
		if h := agent.Handler(paths.Charm, m, op); h != "" {
			argv = []string{h}
			handler = h
		}
	}
	if argv == nil {
		// Missing hook: committed as if it ran (Juju logs "skipped");
		// a missing action handler fails the action.
		if op.Kind == agent.OpAction {
			agent.NotImplemented(m, op.ActionID, now)
		} else {
			c.logLine(u.Name, "INFO", "juju.worker.uniter.operation", fmt.Sprintf("skipped %q hook (missing)", name))
			hctx.Commit()
		}
		agent.Committed(m, op, now)
		c.opsLine("%s %s skipped", u.Name, name)
		c.afterOpLocked()
		c.mu.Unlock()
		return
	}
	if mc.NetNS != "" && c.ipPath != "" {
		argv = append([]string{c.ipPath, "netns", "exec", mc.NetNS}, argv...)
	}
	c.contexts[ctxID] = hctx
	c.mu.Unlock()

	logger := "unit." + u.Name + "." + name
	res, err := runOnMachine(runCtx, machineArch(mc.Arch), handler, agent.Process{
		Argv: argv, Env: env, Dir: paths.Charm, Stdin: stdin, Logger: logger,
		Line:    func(level, logger, line string) { c.logLine(op.Unit, level, logger, line) },
		Capture: op.Kind != agent.OpHook,
	})

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.contexts, ctxID)
	now = c.now()
	select {
	case <-c.closing:
		// The controller is shutting down: leave the op to be rerun.
		return
	default:
	}
	if err != nil && op.Kind == agent.OpHook && handler != "" {
		// As Juju's uniter reports a hook it could not start.
		c.logLine(op.Unit, "ERROR", "juju.worker.uniter.operation", fmt.Sprintf("hook %q (via %s) failed: %v", name, strings.TrimPrefix(handler, paths.Charm+"/"), err))
		res.Code = -1
	} else if err != nil {
		c.logLine(op.Unit, "ERROR", "juju.worker.uniter", err.Error())
		res.Code = 127
	}
	switch op.Kind {
	case agent.OpAction:
		hctx.FinishAction(res.Code, res.Stdout, res.Stderr, now)
		if res.Code == 0 {
			hctx.Commit()
		}
		agent.Committed(m, op, now)
	case agent.OpExec:
		a := m.Actions[op.ActionID]
		a.Results = map[string]any{"return-code": res.Code}
		if len(res.Stdout) > 0 {
			a.Results["stdout"] = string(res.Stdout)
		}
		if len(res.Stderr) > 0 {
			a.Results["stderr"] = string(res.Stderr)
		}
		a.Status, a.Completed = "completed", now
		if res.Code == 0 {
			hctx.Commit()
		}
		agent.Committed(m, op, now)
	default:
		if res.Code == 0 {
			hctx.Commit()
			agent.Committed(m, op, now)
		} else {
			if res.Code > 0 {
				c.logLine(op.Unit, "ERROR", "juju.worker.uniter.operation", fmt.Sprintf("hook %q (via %s) failed: exit status %d", name, strings.TrimPrefix(argv[len(argv)-1], paths.Charm+"/"), res.Code))
			}
			agent.Failed(m, op, now)
		}
	}
	c.opsLine("%s %s exit=%d", op.Unit, name, res.Code)
	if op.Kind == agent.OpHook && op.Hook.Kind == "remove" && res.Code == 0 {
		c.removeUnitLocked(op.Unit)
	}
	c.afterOpLocked()
}

// describe names an operation in logs: the hook name (with remote unit for
// relation hooks in the operations log) or the action name.
func describe(m *model.Model, op agent.Op) string {
	switch op.Kind {
	case agent.OpAction:
		return m.Actions[op.ActionID].Name
	case agent.OpExec:
		return "juju-exec"
	}
	return agent.HookName(op.Hook)
}

// afterOpLocked saves the model and drops what has finished dying.
func (c *Controller) afterOpLocked() {
	m := c.model
	for _, id := range m.RelationIDs() {
		r := m.Relations[id]
		if r.Life == model.Alive {
			continue
		}
		done := true
		for name, u := range m.Units {
			if _, ok := r.EndpointFor(u.App); !ok {
				continue
			}
			ur := u.AgentState.Relations[id]
			if ur != nil && ur.Created && !ur.Broken && !(r.IsPeer() && len(ur.Members) == 0) {
				done = false
			}
			_ = name
		}
		if done {
			delete(m.Relations, id)
			for _, u := range m.Units {
				delete(u.AgentState.Relations, id)
			}
		}
	}
	for name, a := range m.Applications {
		if a.Life != model.Alive && len(m.AppUnits(name)) == 0 {
			for _, id := range m.RelationsOf(name) {
				if m.Relations[id].IsPeer() {
					delete(m.Relations, id)
				}
			}
			delete(m.Applications, name)
		}
	}
	if err := c.saveLocked(); err != nil {
		c.logLine("controller/0", "ERROR", "juju.state", err.Error())
	}
}

// removeUnitLocked drops a unit that finished its teardown (or never
// installed), its machine and its scope memberships; a leader's departure
// has already triggered re-election.
func (c *Controller) removeUnitLocked(name string) {
	m := c.model
	u := m.Units[name]
	if u == nil {
		return
	}
	for _, r := range m.Relations {
		delete(r.Scope, name)
	}
	for id, a := range m.Actions {
		if a.Unit == name && a.Status == "pending" {
			a.Status, a.Message, a.Completed = "failed", "unit removed", c.now()
			_ = id
		}
	}
	delete(m.Units, name)
	if mc := m.Machines[u.Machine]; mc != nil {
		c.stopSnapdLocked(mc.ID)
		if err := c.teardownNetNSLocked(mc); err != nil {
			c.logLine(name, "ERROR", "juju.machine", err.Error())
		}
		_ = os.RemoveAll(machineDir(c.cfg.Home, mc.ID))
		delete(m.Machines, mc.ID)
	}
	c.opsLine("%s removed", name)
}

func sortedMachineIDs(m *model.Model) []string {
	ids := make([]string, 0, len(m.Machines))
	for id := range m.Machines {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return model.UnitNumber("m/"+ids[i]) < model.UnitNumber("m/"+ids[j]) })
	return ids
}
