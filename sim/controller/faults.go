package controller

// Fault partitions (cut) or heals a unit's machine.
func (c *Controller) Fault(unit string, cut bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.partitionLocked(unit, cut)
}
