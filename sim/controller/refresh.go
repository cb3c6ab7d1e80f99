package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// upgradeState is what Juju's charm-upgrade checks look at besides the two
// charms: the application's base, its machines' architectures, how many
// units it has, the storage instances its units hold and the relations it
// is in.
type upgradeState struct {
	Base         string         // ubuntu@22.04
	Archs        []string       // of the application's machines
	Units        int            // alive or dying
	StorageInUse map[string]int // instances per store over all units
	Relations    []relationInUse
}

// relationInUse is one of the application's relations, by Juju's key
// ("etcd:db etcd-client:db", provider first; "etcd:cluster" for a peer).
type relationInUse struct {
	Key      string
	Endpoint charm.Relation // the application's side
}

// checkCharmUpgrade applies Juju's checks of `juju refresh` in Juju's
// order: subordinacy and base (state Application.SetCharm), storage
// (checkStorageUpgrade), relations (checkRelationsOps), and, jujusim's
// one addition from Juju 4, the machines' architectures. Texts are Juju's
// (juju/juju state/application.go); the caller prefixes Juju's
// `cannot upgrade application %q to charm %q: `.
func checkCharmUpgrade(oldMeta *charm.Meta, newCh charm.Charm, st upgradeState) error {
	newMeta := newCh.Meta()
	if newMeta.Subordinate != oldMeta.Subordinate {
		return fmt.Errorf("cannot change an application's subordinacy")
	}
	if err := checkBase(newCh, st.Base); err != nil {
		return err
	}
	if err := checkStorageUpgrade(oldMeta, newMeta, st.StorageInUse); err != nil {
		return err
	}
	for _, r := range st.Relations {
		if implementedBy(r.Endpoint, newMeta) {
			continue
		}
		// A lone unit's peer relation breaks nothing (Juju's isPeerToItself).
		if r.Endpoint.Role == charm.RolePeer && st.Units == 1 {
			continue
		}
		return fmt.Errorf("would break relation %q", r.Key)
	}
	for _, a := range st.Archs {
		if err := checkArch(newCh, a); err != nil {
			return err
		}
	}
	return nil
}

// checkBase refuses a charm whose manifest lists bases without base
// (charms without a manifest make no claim).
func checkBase(ch charm.Charm, base string) error {
	mf := ch.Manifest()
	if mf == nil || len(mf.Bases) == 0 {
		return nil
	}
	var supported []string
	for _, b := range mf.Bases {
		s := b.Name + "@" + b.Channel.Track
		if s == base {
			return nil
		}
		if len(supported) == 0 || supported[len(supported)-1] != s {
			supported = append(supported, s)
		}
	}
	return fmt.Errorf("base %q not supported by charm, the charm supported bases are: %s", base, strings.Join(supported, ", "))
}

// implementedBy is Juju's Endpoint.ImplementedBy: the new charm has an
// endpoint of that name, role and interface.
func implementedBy(ep charm.Relation, meta *charm.Meta) bool {
	var rels map[string]charm.Relation
	switch ep.Role {
	case charm.RoleProvider:
		rels = meta.Provides
	case charm.RoleRequirer:
		rels = meta.Requires
	case charm.RolePeer:
		rels = meta.Peers
	}
	r, ok := rels[ep.Name]
	return ok && r.Interface == ep.Interface
}

// checkStorageUpgrade is Juju's: stores may be dropped only when optional
// and unused; a kept store keeps its type, sharing, read-only flag and
// location, its maximum count may not shrink, and a singleton with a
// location may not become multiple.
func checkStorageUpgrade(oldMeta, newMeta *charm.Meta, inUse map[string]int) error {
	for _, name := range sortedKeys(oldMeta.Storage) {
		if _, ok := newMeta.Storage[name]; ok {
			continue
		}
		if oldMeta.Storage[name].CountMin > 0 {
			return fmt.Errorf("required storage %q removed", name)
		}
		if inUse[name] > 0 {
			return fmt.Errorf("in-use storage %q removed", name)
		}
	}
	// less reports a < b for counts where -1 is unbounded.
	less := func(a, b int) bool { return a != -1 && (b == -1 || a < b) }
	for _, name := range sortedKeys(newMeta.Storage) {
		n := newMeta.Storage[name]
		o, ok := oldMeta.Storage[name]
		if !ok {
			continue
		}
		switch {
		case n.Type != o.Type:
			return fmt.Errorf("existing storage %q type changed from %q to %q", name, o.Type, n.Type)
		case n.Shared != o.Shared:
			return fmt.Errorf("existing storage %q shared changed from %v to %v", name, o.Shared, n.Shared)
		case n.ReadOnly != o.ReadOnly:
			return fmt.Errorf("existing storage %q read-only changed from %v to %v", name, o.ReadOnly, n.ReadOnly)
		case n.Location != o.Location:
			return fmt.Errorf("existing storage %q location changed from %q to %q", name, o.Location, n.Location)
		case less(n.CountMax, o.CountMax):
			var oldMax any = o.CountMax
			if o.CountMax == -1 {
				oldMax = "<unbounded>"
			}
			return fmt.Errorf("existing storage %q range contracted: max decreased from %v to %d", name, oldMax, n.CountMax)
		case o.Location != "" && o.CountMax == 1 && n.CountMax != 1:
			return fmt.Errorf("existing storage %q with location changed from single to multiple", name)
		}
	}
	return nil
}

// upgradeStateLocked observes app for checkCharmUpgrade.
func (c *Controller) upgradeStateLocked(a *model.Application) upgradeState {
	m := c.model
	st := upgradeState{Base: a.Base, StorageInUse: map[string]int{}}
	archs := map[string]bool{}
	for _, name := range m.AppUnits(a.Name) {
		u := m.Units[name]
		st.Units++
		if mc := m.Machines[u.Machine]; mc != nil {
			archs[machineArch(mc.Arch)] = true
		}
		for _, s := range u.Storage {
			store, _, _ := strings.Cut(s.ID, "/")
			st.StorageInUse[store]++
		}
	}
	for arch := range archs {
		st.Archs = append(st.Archs, arch)
	}
	sort.Strings(st.Archs)
	for _, id := range m.RelationsOf(a.Name) {
		r := m.Relations[id]
		ep, _ := r.EndpointFor(a.Name)
		var key []string
		for _, e := range r.Endpoints {
			key = append(key, e.App+":"+e.Name)
		}
		rel := charm.Relation{Name: ep.Name, Interface: ep.Interface, Role: charm.RelationRole(ep.Role)}
		st.Relations = append(st.Relations, relationInUse{Key: strings.Join(key, " "), Endpoint: rel})
	}
	return st
}

// upgradeStorageLocked gives every unit the new charm's minimum of each
// store, adding only the shortfall (Juju's upgradeStorageOps); units run
// storage-attached for what is added.
func (c *Controller) upgradeStorageLocked(a *model.Application, meta *charm.Meta) error {
	m := c.model
	if a.Storage == nil {
		a.Storage = map[string]int{}
	}
	for _, name := range sortedKeys(meta.Storage) {
		s := meta.Storage[name]
		if a.Storage[name] < s.CountMin {
			a.Storage[name] = s.CountMin
		}
		for _, un := range m.AppUnits(a.Name) {
			u := m.Units[un]
			have := 0
			for _, inst := range u.Storage {
				if strings.HasPrefix(inst.ID, name+"/") {
					have++
				}
			}
			if u.Life != model.Alive || have >= s.CountMin {
				continue
			}
			if err := c.attachStorageLocked(a, u, m.Machines[u.Machine].Root, name, s, s.CountMin-have); err != nil {
				return err
			}
		}
	}
	return nil
}

// RefreshArgs are `jujusim refresh`'s.
type RefreshArgs struct {
	App       string            `json:"app"`
	Path      string            `json:"path"`
	Resources map[string]string `json:"resources,omitempty"` // name → file path
}

// Refresh replaces the application's charm after Juju's upgrade checks;
// every unit's agent deploys it into its charm dir and runs upgrade-charm
// then config-changed. New peer endpoints get their relation, as in Juju.
func (c *Controller) Refresh(args RefreshArgs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(args.App)
	if err != nil {
		return err
	}
	src, ch, err := readCharmArg(args.Path)
	if err != nil {
		return err
	}
	if ch.Meta().Name != a.CharmName {
		return fmt.Errorf("cannot refresh %q: charm name %q differs from %q", args.App, ch.Meta().Name, a.CharmName)
	}
	oldCh, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return err
	}
	// Juju names a local charm's upload local:<name>-<revision>, the
	// revision going up with each upload.
	url := fmt.Sprintf("local:%s-%d", ch.Meta().Name, a.CharmSeq)
	if err := checkCharmUpgrade(oldCh.Meta(), ch, c.upgradeStateLocked(a)); err != nil {
		return fmt.Errorf("cannot upgrade application %q to charm %q: %w", args.App, url, err)
	}
	if err := checkStorageKinds(ch.Meta()); err != nil {
		return fmt.Errorf("cannot refresh %q: %w", args.App, err)
	}
	for rname := range args.Resources {
		if _, ok := ch.Meta().Resources[rname]; !ok {
			return fmt.Errorf("cannot refresh %q: unrecognized resource %q", args.App, rname)
		}
	}
	stored := filepath.Join(c.cfg.Home, "charms", args.App+"-"+strconv.Itoa(a.CharmSeq+1))
	newCh, err := c.storeCharm(src, stored)
	if err != nil {
		return err
	}
	for _, rname := range sortedKeys(args.Resources) {
		if err := c.storeResourceLocked(a, rname, args.Resources[rname]); err != nil {
			_ = os.RemoveAll(stored)
			return err
		}
	}
	for _, pname := range sortedKeys(newCh.Meta().Peers) {
		if _, ok := oldCh.Meta().Peers[pname]; ok {
			continue
		}
		p := newCh.Meta().Peers[pname]
		c.addRelationLocked([]model.Endpoint{{App: a.Name, Name: pname, Interface: p.Interface, Role: "peer"}})
	}
	if err := c.upgradeStorageLocked(a, newCh.Meta()); err != nil {
		_ = os.RemoveAll(stored)
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
