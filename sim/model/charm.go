package model

import (
	"fmt"
	"os"
	"sync"

	"github.com/etcd-charm/etcd-charm/internal/fsutil"

	"github.com/juju/charm/v12"
)

// ReadCharm reads a charm directory or a .charm archive with juju/charm,
// which validates metadata.yaml, config.yaml and actions.yaml as Juju does.
func ReadCharm(path string) (charm.Charm, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read charm: %w", err)
	}
	var ch charm.Charm
	if fi.IsDir() {
		ch, err = charm.ReadCharmDir(path)
	} else {
		ch, err = charm.ReadCharmArchive(path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read charm %s: %w", path, err)
	}
	return ch, nil
}

// StoreCharm reads the charm at src and unpacks it into dst (which must not
// exist), the copy every unit's charm dir is made from. Archives are
// expanded with juju/charm (which sets the exec bit on hooks); directories
// are copied keeping modes.
func StoreCharm(src, dst string) (charm.Charm, error) {
	ch, err := ReadCharm(src)
	if err != nil {
		return nil, err
	}
	switch c := ch.(type) {
	case *charm.CharmArchive:
		if err := c.ExpandTo(dst); err != nil {
			return nil, fmt.Errorf("cannot unpack charm: %w", err)
		}
	default:
		if err := CopyTree(src, dst); err != nil {
			return nil, fmt.Errorf("cannot copy charm: %w", err)
		}
	}
	return ch, nil
}

// CopyTree copies a directory tree (files, dirs, symlinks), keeping modes.
func CopyTree(src, dst string) error {
	return fsutil.CopyTree(src, dst, fsutil.Options{SkipSpecial: true})
}

// Charms caches the parsed charms of the controller's store by path.
type Charms struct {
	mu    sync.Mutex
	cache map[string]charm.Charm
}

// Get returns the charm stored at path (an unpacked dir).
func (c *Charms) Get(path string) (charm.Charm, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.cache[path]; ok {
		return ch, nil
	}
	ch, err := charm.ReadCharmDir(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read stored charm: %w", err)
	}
	if c.cache == nil {
		c.cache = map[string]charm.Charm{}
	}
	c.cache[path] = ch
	return ch, nil
}

// Put records an already parsed charm stored at path.
func (c *Charms) Put(path string, ch charm.Charm) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil {
		c.cache = map[string]charm.Charm{}
	}
	c.cache[path] = ch
}

// Base returns the charm's first base as "ubuntu@22.04" (default 22.04).
func Base(ch charm.Charm) string {
	if mf := ch.Manifest(); mf != nil && len(mf.Bases) > 0 {
		return mf.Bases[0].Name + "@" + mf.Bases[0].Channel.Track
	}
	return "ubuntu@22.04"
}
