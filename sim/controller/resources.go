package controller

import (
	"fmt"
)

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
