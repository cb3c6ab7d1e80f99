package controller

import (
	"github.com/etcd-charm/etcd-charm/sim/model"
)

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
