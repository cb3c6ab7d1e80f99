package controller

import (
	"os"
	"path/filepath"

	"github.com/juju/charm/v12"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// The controller's charm store: deploy and refresh read the charm at the
// operator's path, check it, then unpack it under <home>/charms, from where
// every unit's charm dir is copied.

// readCharmArg reads the charm at path (a directory or a .charm archive)
// and returns it with the absolute path it was read from.
func readCharmArg(path string) (string, charm.Charm, error) {
	src, err := filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	ch, err := model.ReadCharm(src)
	if err != nil {
		return "", nil, err
	}
	return src, ch, nil
}

// storeCharm unpacks the charm at src into stored (replacing what an
// earlier, failed attempt left there) and returns the stored charm.
func (c *Controller) storeCharm(src, stored string) (charm.Charm, error) {
	_ = os.RemoveAll(stored)
	if _, err := model.StoreCharm(src, stored); err != nil {
		return nil, err
	}
	return c.charms.Get(stored)
}
