package agent

import (
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Paths are a unit's directories, laid out inside its machine's root the
// way Juju lays them out on a machine (§1.1).
type Paths struct {
	Root      string // the machine's filesystem root (SNAPPY_GLOBAL_ROOT)
	Base      string // <root>/var/lib/juju/agents/unit-app-0
	Charm     string // <base>/charm
	Resources string // <base>/resources
	Tools     string // <root>/var/lib/juju/tools/unit-app-0
}

// UnitPaths returns the paths of unit on the machine rooted at root.
func UnitPaths(root, unit string) Paths {
	tag := model.UnitTag(unit)
	base := filepath.Join(root, "var/lib/juju/agents", tag)
	return Paths{
		Root:      root,
		Base:      base,
		Charm:     filepath.Join(base, "charm"),
		Resources: filepath.Join(base, "resources"),
		Tools:     filepath.Join(root, "var/lib/juju/tools", tag),
	}
}
