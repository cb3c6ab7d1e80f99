package controller

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Storage as Juju provisions it on a machine, kind by kind:
//
//   - filesystem: a directory under the machine root at Juju's mount point
//     (storage.FilesystemMountPoint): the metadata's location when the
//     store is a singleton, else <location or /var/lib/juju/storage>/<id>,
//     e.g. /var/lib/juju/storage/data/0.
//   - block: Juju's loop provider attaches a file-backed loop device and
//     storage-get answers its device path. jujusim makes a sparse file of
//     the store's minimum size (1 GiB when none) at <root>/dev/loopN and
//     answers that path; it is a regular file, not a kernel block device
//     (a charm may mkfs it, not mount it).
//
// Locations are host paths inside the unit's root, as every path the
// charm touches derives from $SNAPPY_GLOBAL_ROOT.

// jujuStorageDir is Juju's storage directory on a machine (paths.StorageDir).
const jujuStorageDir = "/var/lib/juju/storage"

// Juju's storage directive fields (storage.ParseConstraints): a bare
// integer is the count, a number with a unit suffix the size, anything
// else the pool.
var (
	directiveCount = regexp.MustCompile(`^-?[0-9]+$`)
	directiveSize  = regexp.MustCompile(`^-?[0-9]+(?:\.[0-9]+)?[MGTPEZY](?:i?B)?$`)
)

// parseStorageDirective parses "pool,size,count" (any order, any subset)
// and returns the count (-1 when not given). Pools and sizes are accepted
// and have no effect: jujusim has one provider per kind.
func parseStorageDirective(s string) (int, error) {
	count := -1
	for _, f := range strings.Split(s, ",") {
		switch {
		case f == "":
			return 0, fmt.Errorf("cannot parse storage directive %q: empty field", s)
		case directiveCount.MatchString(f):
			n, err := strconv.Atoi(f)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("cannot parse count %q: count must be greater than zero, got %q", f, f)
			}
			count = n
		case directiveSize.MatchString(f):
		default: // a pool name
		}
	}
	return count, nil
}

// storageCounts validates --storage name=directive against the charm and
// returns the count of each store a new unit gets (count given, else the
// store's minimum). The texts are Juju's validateStorageConstraints ones.
func storageCounts(ch charm.Charm, directives map[string]string) (map[string]int, error) {
	meta := ch.Meta()
	out := map[string]int{}
	for name, s := range meta.Storage {
		out[name] = s.CountMin
	}
	for name, d := range directives {
		s, ok := meta.Storage[name]
		if !ok {
			return nil, fmt.Errorf("charm %q has no store called %q", meta.Name, name)
		}
		n, err := parseStorageDirective(d)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = max(s.CountMin, 1)
		}
		if n < s.CountMin {
			return nil, fmt.Errorf("charm %q store %q: %d instances required, %d specified", meta.Name, name, s.CountMin, n)
		}
		if s.CountMax >= 0 && n > s.CountMax {
			return nil, fmt.Errorf("charm %q store %q: at most %d instances supported, %d specified", meta.Name, name, s.CountMax, n)
		}
		out[name] = n
	}
	return out, nil
}

// checkStorageKinds refuses kinds jujusim cannot provision.
func checkStorageKinds(meta *charm.Meta) error {
	for _, name := range sortedKeys(meta.Storage) {
		switch meta.Storage[name].Type {
		case charm.StorageFilesystem, charm.StorageBlock:
		default:
			return fmt.Errorf("storage %q: unsupported storage type %q", name, meta.Storage[name].Type)
		}
	}
	return nil
}

// mountPoint is Juju's filesystem mount point for instance id of s.
func mountPoint(s charm.Storage, id string) (string, error) {
	if strings.HasPrefix(s.Location, jujuStorageDir) {
		return "", fmt.Errorf("invalid location %q: must not fall within %q", s.Location, jujuStorageDir)
	}
	if s.Location != "" && s.CountMax == 1 {
		return s.Location, nil
	}
	loc := s.Location
	if loc == "" {
		loc = jujuStorageDir
	}
	return path.Join(loc, id), nil
}

// attachStorageLocked provisions count new instances of store name on
// unit u's machine root; the unit's agent runs storage-attached for each.
func (c *Controller) attachStorageLocked(a *model.Application, u *model.Unit, root, name string, s charm.Storage, count int) error {
	for i := 0; i < count; i++ {
		if a.NextStorageID == nil {
			a.NextStorageID = map[string]int{}
		}
		id := fmt.Sprintf("%s/%d", name, a.NextStorageID[name])
		inst := model.StorageInstance{ID: id, Kind: string(s.Type)}
		switch s.Type {
		case charm.StorageBlock:
			dev, err := loopDevice(root, s.MinimumSize)
			if err != nil {
				return fmt.Errorf("cannot attach storage %s: %w", id, err)
			}
			inst.Location = dev
		default:
			mp, err := mountPoint(s, id)
			if err != nil {
				return fmt.Errorf("cannot attach storage %s: %w", id, err)
			}
			inst.Location = filepath.Join(root, mp)
			if err := os.MkdirAll(inst.Location, 0o755); err != nil {
				return fmt.Errorf("cannot attach storage %s: %w", id, err)
			}
		}
		a.NextStorageID[name]++
		u.Storage = append(u.Storage, inst)
	}
	return nil
}

// loopDevice makes the next <root>/dev/loopN: a sparse file of sizeMiB
// (1 GiB when 0) standing in for a loop device.
func loopDevice(root string, sizeMiB uint64) (string, error) {
	if sizeMiB == 0 {
		sizeMiB = 1024
	}
	dir := filepath.Join(root, "dev")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for n := 0; ; n++ {
		p := filepath.Join(dir, "loop"+strconv.Itoa(n))
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o660)
		if os.IsExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		err = f.Truncate(int64(sizeMiB) << 20)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return p, err
	}
}

// AddStorage adds instances of a store to a unit, like `juju add-storage
// UNIT name[=directive]` (count 1 when not given); its agent runs
// storage-attached for each. It returns the new instance ids.
func (c *Controller) AddStorage(unit, name, directive string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.resolveUnitLocked(unit)
	if err != nil {
		return nil, err
	}
	if u.Life != model.Alive {
		return nil, fmt.Errorf("adding %q storage to %s: unit is not alive", name, u.Name)
	}
	a := c.model.Applications[u.App]
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return nil, err
	}
	s, ok := ch.Meta().Storage[name]
	if !ok {
		return nil, fmt.Errorf("adding %q storage to %s: charm storage %q not found", name, u.Name, name)
	}
	n := 1
	if directive != "" {
		if n, err = parseStorageDirective(directive); err != nil {
			return nil, err
		}
		if n < 0 {
			n = 1
		}
	}
	have := 0
	for _, inst := range u.Storage {
		if strings.HasPrefix(inst.ID, name+"/") {
			have++
		}
	}
	if s.CountMax >= 0 && have+n > s.CountMax {
		return nil, fmt.Errorf("adding %q storage to %s: attaching %d storage instances brings the total to %d, exceeding the maximum of %d", name, u.Name, n, have+n, s.CountMax)
	}
	before := len(u.Storage)
	if err := c.attachStorageLocked(a, u, c.model.Machines[u.Machine].Root, name, s, n); err != nil {
		return nil, err
	}
	var ids []string
	for _, inst := range u.Storage[before:] {
		ids = append(ids, inst.ID)
	}
	c.kick()
	return ids, c.saveLocked()
}
