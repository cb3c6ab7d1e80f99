package controller

import (
	"fmt"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

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
