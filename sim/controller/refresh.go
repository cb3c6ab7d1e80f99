package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

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
