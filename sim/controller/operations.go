package controller

import (
	"fmt"
	"sort"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// OperationArgs queue one operation with a task per target unit, as
// `juju run UNIT... ACTION` and `juju exec --unit/--application/--all`
// do: an action when Action is set, else the exec Command.
type OperationArgs struct {
	Units        []string       `json:"units"`        // app/N or app/leader
	Applications []string       `json:"applications"` // every unit of each
	Machines     []string       `json:"machines"`     // the unit on each machine
	All          bool           `json:"all"`          // every unit of the model
	Action       string         `json:"action,omitempty"`
	Params       map[string]any `json:"params,omitempty"`
	Command      string         `json:"command,omitempty"`
}

// TaskRef is one task of an operation.
type TaskRef struct {
	Task int    `json:"task"`
	Unit string `json:"unit"`
}

// OperationResult names the queued operation and its tasks, in the
// order the units were named.
type OperationResult struct {
	Operation int       `json:"operation"`
	Tasks     []TaskRef `json:"tasks"`
}

// Operation validates every target (and the action's params on each) and
// only then queues the tasks under one operation id.
func (c *Controller) Operation(args OperationArgs) (OperationResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	units, err := c.targetsLocked(args)
	if err != nil {
		return OperationResult{}, err
	}
	params := make([]map[string]any, len(units))
	if args.Action != "" {
		for i, u := range units {
			ch, err := c.charms.Get(c.model.Applications[u.App].CharmPath)
			if err != nil {
				return OperationResult{}, err
			}
			if params[i], err = model.ValidateActionParams(ch, u.Name, args.Action, args.Params); err != nil {
				return OperationResult{}, err
			}
		}
	}
	m := c.model
	res := OperationResult{Operation: m.NextTask}
	m.NextTask++
	for i, u := range units {
		id := m.NextTask
		m.NextTask++
		m.Actions[id] = &model.Action{
			ID: id, Operation: res.Operation, Unit: u.Name, Name: args.Action, Command: args.Command, Params: params[i],
			Status: "pending", Enqueued: c.now().UTC(),
		}
		res.Tasks = append(res.Tasks, TaskRef{Task: id, Unit: u.Name})
	}
	c.kick()
	return res, c.saveLocked()
}

// targetsLocked resolves an operation's targets, each unit once.
func (c *Controller) targetsLocked(args OperationArgs) ([]*model.Unit, error) {
	m := c.model
	var out []*model.Unit
	seen := map[string]bool{}
	add := func(u *model.Unit) {
		if !seen[u.Name] {
			seen[u.Name] = true
			out = append(out, u)
		}
	}
	for _, name := range args.Units {
		u, err := c.resolveUnitLocked(name)
		if err != nil {
			return nil, err
		}
		add(u)
	}
	for _, id := range args.Machines {
		found := false
		for _, n := range m.UnitNames() {
			if u := m.Units[n]; u.Machine == id {
				add(u)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("machine %q not found", id)
		}
	}
	apps := args.Applications
	if args.All {
		apps = sortedKeys(m.Applications)
	}
	for _, app := range apps {
		if _, err := m.Application(app); err != nil {
			return nil, err
		}
		names := m.AppUnits(app)
		sort.Slice(names, func(i, j int) bool { return model.UnitNumber(names[i]) < model.UnitNumber(names[j]) })
		for _, n := range names {
			add(m.Units[n])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no units to run on")
	}
	return out, nil
}
