package controller

import (
	"fmt"
	"github.com/etcd-charm/etcd-charm/sim/agent"
	"os"
	"path/filepath"
	"strconv"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// ConfigResult is `jujusim config APP`'s answer: every option's value.
type ConfigResult struct {
	Values  map[string]any          `json:"values"`
	Options map[string]ConfigOption `json:"options"`
}

// ConfigOption describes one option as `juju config APP` prints it.
type ConfigOption struct {
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Description string `json:"description" yaml:"description"`
	Source      string `json:"source" yaml:"source"` // default, user or unset
	Type        string `json:"type" yaml:"type"`
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// Config sets options (empty value resets) and returns the effective
// config. Units get config-changed only when values actually change.
func (c *Controller) Config(app string, set map[string]string, reset ...string) (ConfigResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return ConfigResult{}, err
	}
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return ConfigResult{}, err
	}
	if len(set) > 0 || len(reset) > 0 {
		parsed, err := model.ParseConfig(ch, set)
		if err != nil {
			return ConfigResult{}, err
		}
		for _, k := range reset {
			if _, ok := ch.Config().Options[k]; !ok {
				return ConfigResult{}, fmt.Errorf("unknown option %q", k)
			}
			parsed[k] = nil
		}
		if _, err := model.ApplyConfig(ch, a, parsed); err != nil {
			return ConfigResult{}, err
		}
		c.kick()
		if err := c.saveLocked(); err != nil {
			return ConfigResult{}, err
		}
	}
	res := ConfigResult{Values: model.EffectiveConfig(ch, a.Config), Options: map[string]ConfigOption{}}
	if cfg := ch.Config(); cfg != nil {
		for name, opt := range cfg.Options {
			o := ConfigOption{Default: opt.Default, Description: opt.Description, Type: opt.Type, Value: res.Values[name], Source: "default"}
			if _, set := a.Config[name]; set {
				o.Source = "user"
			} else if opt.Default == nil {
				o.Source = "unset"
			}
			res.Options[name] = o
		}
	}
	return res, nil
}

// AttachResource uploads a new resource revision; units run upgrade-charm.
func (c *Controller) AttachResource(app, name, path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return err
	}
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return err
	}
	if _, ok := ch.Meta().Resources[name]; !ok {
		return fmt.Errorf("invalid resource name %q for application %q", name, app)
	}
	if err := c.storeResourceLocked(a, name, path); err != nil {
		return err
	}
	a.CharmSeq++
	c.kick()
	return c.saveLocked()
}

// Refresh replaces the application's charm; every unit's agent deploys it
// into its charm dir and runs upgrade-charm then config-changed.
func (c *Controller) Refresh(app, path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return err
	}
	src, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	ch, err := model.ReadCharm(src)
	if err != nil {
		return err
	}
	if ch.Meta().Name != a.CharmName {
		return fmt.Errorf("cannot refresh %q: charm name %q differs from %q", app, ch.Meta().Name, a.CharmName)
	}
	stored := filepath.Join(c.cfg.Home, "charms", app+"-"+strconv.Itoa(a.CharmSeq+1))
	_ = os.RemoveAll(stored)
	if _, err := model.StoreCharm(src, stored); err != nil {
		return err
	}
	newCh, err := c.charms.Get(stored)
	if err != nil {
		return err
	}
	// Each unit's agent swaps its charm dir when it runs upgrade-charm.
	a.CharmPath = stored
	a.Config = model.EffectiveConfigSet(newCh, a.Config)
	a.CharmRev = newCh.Revision()
	a.CharmSeq++
	c.kick()
	return c.saveLocked()
}

// RunArgs queue an action.
type RunArgs struct {
	Unit   string         `json:"unit"` // app/N or app/leader
	Action string         `json:"action"`
	Params map[string]any `json:"params"`
}

// RunResult names the queued operation and task.
type RunResult struct {
	Operation int    `json:"operation"`
	Task      int    `json:"task"`
	Unit      string `json:"unit"`
}

func (c *Controller) resolveUnitLocked(name string) (*model.Unit, error) {
	if app, ok := cutSuffix(name, "/leader"); ok {
		a, err := c.model.Application(app)
		if err != nil {
			return nil, err
		}
		name = a.Leader
	}
	return c.model.Unit(name)
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// Run validates params against the action's schema and queues it.
func (c *Controller) Run(args RunArgs) (RunResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.resolveUnitLocked(args.Unit)
	if err != nil {
		return RunResult{}, err
	}
	ch, err := c.charms.Get(c.model.Applications[u.App].CharmPath)
	if err != nil {
		return RunResult{}, err
	}
	params, err := model.ValidateActionParams(ch, u.Name, args.Action, args.Params)
	if err != nil {
		return RunResult{}, err
	}
	return c.queueLocked(u.Name, args.Action, "", params)
}

func (c *Controller) queueLocked(unit, action, command string, params map[string]any) (RunResult, error) {
	m := c.model
	opID := m.NextTask
	id := m.NextTask + 1
	m.NextTask += 2
	m.Actions[id] = &model.Action{
		ID: id, Operation: opID, Unit: unit, Name: action, Command: command, Params: params,
		Status: "pending", Enqueued: c.now().UTC(),
	}
	c.kick()
	return RunResult{Operation: opID, Task: id, Unit: unit}, c.saveLocked()
}

// Exec queues a `juju exec` command on unit.
func (c *Controller) Exec(unit, command string) (RunResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.resolveUnitLocked(unit)
	if err != nil {
		return RunResult{}, err
	}
	return c.queueLocked(u.Name, "", command, nil)
}

// Task returns a copy of a task.
func (c *Controller) Task(id int) (model.Action, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.model.Actions[id]
	if !ok {
		return model.Action{}, fmt.Errorf("task %d not found", id)
	}
	cp := *a
	cp.Log = append([]model.ActionLog(nil), a.Log...)
	return cp, nil
}

// UnitMachine returns a unit's machine (address, root) for scp.
func (c *Controller) UnitMachine(unit string) (model.Machine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.resolveUnitLocked(unit)
	if err != nil {
		return model.Machine{}, err
	}
	return *c.model.Machines[u.Machine], nil
}

// Fault partitions (cut) or heals a unit's machine.
func (c *Controller) Fault(unit string, cut bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.partitionLocked(unit, cut)
}

// Resolved clears a unit's hook error: the hook is retried now, or with
// noRetry its bookkeeping is committed without running it (its changes
// are lost), like `juju resolved [--no-retry]`.
func (c *Controller) Resolved(unit string, noRetry bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.model.Unit(unit)
	if err != nil {
		return err
	}
	f := u.AgentState.Failed
	if f == nil {
		return fmt.Errorf("unit %q is not in an error state", unit)
	}
	if noRetry {
		now := c.now()
		op := agent.Op{Kind: agent.OpHook, Unit: unit, Hook: f.Hook, Retry: true}
		op.Version = agent.CurrentVersion(c.model, u, f.Hook)
		agent.Committed(c.model, op, now)
		c.opsLine("%s %s resolved-no-retry", unit, agent.HookName(f.Hook))
	} else {
		f.NextRetry = c.now()
	}
	c.kick()
	return c.saveLocked()
}

// StatusHistory returns a unit's status history, oldest first.
func (c *Controller) StatusHistory(unit string) ([]model.StatusInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.model.Unit(unit)
	if err != nil {
		return nil, err
	}
	return append([]model.StatusInfo(nil), u.History...), nil
}
