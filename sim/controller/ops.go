package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Every operation validates everything first and only then changes the
// model, so a failed command leaves nothing half-applied.

// validAppName is Juju's application name rule (names.IsValidApplication).
var validAppName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`)

// DeployArgs are `jujusim deploy`'s.
type DeployArgs struct {
	Charm     string            `json:"charm"`
	App       string            `json:"app"`
	NumUnits  int               `json:"num-units"`
	Config    map[string]string `json:"config"`
	Resources map[string]string `json:"resources"` // name → file path
	// Constraints is Juju's constraints string (only arch has an effect);
	// Storage maps a store to its directive (pool,size,count).
	Constraints string            `json:"constraints,omitempty"`
	Storage     map[string]string `json:"storage,omitempty"`
}

// Deploy adds an application with its peer relations and units.
func (c *Controller) Deploy(args DeployArgs) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.model
	src, ch, err := readCharmArg(args.Charm)
	if err != nil {
		return err
	}
	name := args.App
	if name == "" {
		name = ch.Meta().Name
	}
	if !validAppName.MatchString(name) {
		if regexp.MustCompile(`-[0-9]+$`).MatchString(name) {
			return fmt.Errorf("invalid application name %q, unexpected number(s) found after last hyphen", name)
		}
		return fmt.Errorf("invalid application name %q", name)
	}
	if _, ok := m.Applications[name]; ok {
		return fmt.Errorf("cannot add application %q: application already exists", name)
	}
	if ch.Meta().Subordinate {
		return fmt.Errorf("cannot deploy %q: jujusim does not support subordinate charms", name)
	}
	if args.NumUnits < 0 {
		return fmt.Errorf("--num-units must be a positive integer")
	}
	parsed, err := model.ParseConfig(ch, args.Config)
	if err != nil {
		return err
	}
	for rname := range args.Resources {
		if _, ok := ch.Meta().Resources[rname]; !ok {
			return fmt.Errorf("cannot deploy %q: unrecognized resource %q", name, rname)
		}
	}
	if err := checkStorageKinds(ch.Meta()); err != nil {
		return fmt.Errorf("cannot deploy %q: %w", name, err)
	}
	counts, err := storageCounts(ch, args.Storage)
	if err != nil {
		return fmt.Errorf("cannot add application %q: %w", name, err)
	}
	cons, err := parseConstraints(args.Constraints)
	if err != nil {
		return err
	}
	arch := machineArch(cons)
	if err := checkArch(ch, arch); err != nil {
		return fmt.Errorf("cannot add application %q: %w", name, err)
	}
	stored := filepath.Join(c.cfg.Home, "charms", name+"-1")
	ch, err = c.storeCharm(src, stored)
	if err != nil {
		return err
	}
	a := &model.Application{
		Name: name, CharmPath: stored, CharmName: ch.Meta().Name, CharmRev: ch.Revision(), CharmSeq: 1,
		Base: model.Base(ch), Life: model.Alive, ConfigSeq: 1, LeaderSettingsSeq: 1,
		LeaderSettings: map[string]string{}, Resources: map[string]model.Resource{},
		Arch: cons, Storage: counts,
	}
	if _, err := model.ApplyConfig(ch, a, parsed); err != nil {
		_ = os.RemoveAll(stored)
		return err
	}
	a.ConfigSeq = 1
	for _, rname := range sortedKeys(args.Resources) {
		if err := c.storeResourceLocked(a, rname, args.Resources[rname]); err != nil {
			_ = os.RemoveAll(stored)
			return err
		}
	}
	m.Applications[name] = a
	for _, pname := range sortedKeys(ch.Meta().Peers) {
		p := ch.Meta().Peers[pname]
		c.addRelationLocked([]model.Endpoint{{App: name, Name: pname, Interface: p.Interface, Role: "peer"}})
	}
	if err := c.addUnitsLocked(a, args.NumUnits, arch); err != nil {
		c.undeployLocked(name)
		return err
	}
	c.opsLine("deploy %s n=%d", name, args.NumUnits)
	c.kick()
	return c.saveLocked()
}

// undeployLocked takes back a deploy that failed half-way: its units,
// machines, relations, stored charm and resources.
func (c *Controller) undeployLocked(app string) {
	m := c.model
	for _, n := range m.AppUnits(app) {
		c.removeUnitLocked(n)
	}
	for _, id := range m.RelationsOf(app) {
		delete(m.Relations, id)
	}
	if a := m.Applications[app]; a != nil {
		_ = os.RemoveAll(a.CharmPath)
		_ = os.RemoveAll(filepath.Join(c.cfg.Home, "resources", app))
	}
	delete(m.Applications, app)
}

func (c *Controller) storeResourceLocked(a *model.Application, name, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot upload resource %q: %w", name, err)
	}
	rev := a.Resources[name].Revision + 1
	blob := filepath.Join(c.cfg.Home, "resources", a.Name, name+"-"+strconv.Itoa(rev))
	// Resources are the operator's files (a snapshot holds every key of
	// the cluster): only the controller's user reads them, as Juju keeps
	// them in its controller's database.
	if err := os.MkdirAll(filepath.Dir(blob), 0o700); err != nil {
		return fmt.Errorf("cannot upload resource %q: %w", name, err)
	}
	if err := os.WriteFile(blob, data, 0o600); err != nil {
		return fmt.Errorf("cannot upload resource %q: %w", name, err)
	}
	fp, err := agent.Fingerprint(blob)
	if err != nil {
		return err
	}
	a.Resources[name] = model.Resource{Blob: blob, Revision: rev, Fingerprint: fp}
	return nil
}

func (c *Controller) addRelationLocked(eps []model.Endpoint) *model.Relation {
	m := c.model
	r := &model.Relation{
		ID: m.NextRelation, Life: model.Alive, Endpoints: eps,
		UnitSettings: map[string]*model.Bag{}, AppSettings: map[string]*model.Bag{}, Scope: map[string]bool{},
	}
	m.NextRelation++
	m.Relations[r.ID] = r
	return r
}

// AddUnit adds n units to app, on machines of the arch given by
// constraints (else the application's, else the host's).
func (c *Controller) AddUnit(app string, n int, constraints ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return err
	}
	arch, err := parseConstraints(strings.Join(constraints, " "))
	if err != nil {
		return err
	}
	if arch == "" {
		arch = machineArch(a.Arch)
	}
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return err
	}
	if err := checkArch(ch, arch); err != nil {
		return fmt.Errorf("cannot add unit to application %q: %w", app, err)
	}
	if a.Life != model.Alive {
		return fmt.Errorf("cannot add unit: application %q is being removed", app)
	}
	if n < 1 {
		return fmt.Errorf("--num-units must be a positive integer")
	}
	if err := c.addUnitsLocked(a, n, arch); err != nil {
		return err
	}
	c.kick()
	return c.saveLocked()
}

func (c *Controller) addUnitsLocked(a *model.Application, n int, arch string) error {
	m := c.model
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s/%d", a.Name, a.NextUnit)
		now := c.now().UTC()
		u := &model.Unit{
			Name: name, App: a.Name, Life: model.Alive,
			AgentState: model.UnitAgent{CharmSeq: a.CharmSeq, Relations: map[int]*model.UnitRelation{}},
		}
		u.SetWorkload(model.StatusInfo{Status: "waiting", Message: "agent initialising", Since: now})
		u.SetAgent(model.StatusInfo{Status: "allocating", Since: now})
		a.NextUnit++
		m.Units[name] = u
		if err := c.addMachineLocked(u, a, arch); err != nil {
			delete(m.Units, name)
			return err
		}
		m.ElectLeader(a.Name)
	}
	return nil
}

// RemoveUnits marks units dying; their agents run the teardown hooks.
// A leader's removal makes another unit leader at once.
func (c *Controller) RemoveUnits(names []string, force ...bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(names) == 0 {
		return fmt.Errorf("no units specified")
	}
	for _, n := range names {
		if _, err := c.model.Unit(n); err != nil {
			return err
		}
	}
	for _, n := range names {
		c.killUnitLocked(n)
		if len(force) > 0 && force[0] {
			// --force: no teardown hooks, like juju remove-unit --force
			// on a unit stuck in error.
			if _, running := c.running[n]; !running {
				c.removeUnitLocked(n)
			} else {
				c.model.Units[n].AgentState.Installed = false
			}
		}
	}
	c.afterOpLocked()
	c.kick()
	return c.saveLocked()
}

func (c *Controller) killUnitLocked(name string) {
	m := c.model
	u := m.Units[name]
	if u.Life != model.Alive {
		return
	}
	u.Life = model.Dying
	a := m.Applications[u.App]
	if a.Leader == name && m.ElectLeader(u.App) {
		a.LeaderSettingsSeq++ // the others get leader-settings-changed
		if l := m.Units[a.Leader]; l != nil {
			l.AgentState.LeaderSettingsSeq = a.LeaderSettingsSeq
		}
	}
}

// RemoveApplication removes every unit, then the application and its
// relations.
func (c *Controller) RemoveApplication(app string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.model.Application(app)
	if err != nil {
		return err
	}
	a.Life = model.Dying
	for _, id := range c.model.RelationsOf(app) {
		if r := c.model.Relations[id]; !r.IsPeer() {
			r.Life = model.Dying
		}
	}
	for _, n := range c.model.AppUnits(app) {
		c.killUnitLocked(n)
	}
	c.afterOpLocked()
	c.kick()
	return c.saveLocked()
}

func splitEndpoint(s string) (string, string) {
	if i := strings.Index(s, ":"); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// candidates finds provider/requirer endpoint pairs matching a and b.
func (c *Controller) candidatesLocked(a, b string) ([][2]model.Endpoint, error) {
	var out [][2]model.Endpoint
	appA, epA := splitEndpoint(a)
	appB, epB := splitEndpoint(b)
	ends := func(app, ep string) ([]model.Endpoint, error) {
		ap, err := c.model.Application(app)
		if err != nil {
			return nil, err
		}
		ch, err := c.charms.Get(ap.CharmPath)
		if err != nil {
			return nil, err
		}
		var list []model.Endpoint
		for name, r := range ch.Meta().Provides {
			if ep == "" || ep == name {
				list = append(list, model.Endpoint{App: app, Name: name, Interface: r.Interface, Role: "provider"})
			}
		}
		for name, r := range ch.Meta().Requires {
			if ep == "" || ep == name {
				list = append(list, model.Endpoint{App: app, Name: name, Interface: r.Interface, Role: "requirer"})
			}
		}
		return list, nil
	}
	la, err := ends(appA, epA)
	if err != nil {
		return nil, err
	}
	lb, err := ends(appB, epB)
	if err != nil {
		return nil, err
	}
	for _, x := range la {
		for _, y := range lb {
			if x.Interface != y.Interface || x.Role == y.Role {
				continue
			}
			if x.Role == "provider" {
				out = append(out, [2]model.Endpoint{x, y})
			} else {
				out = append(out, [2]model.Endpoint{y, x})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].Name+out[i][1].Name < out[j][0].Name+out[j][1].Name })
	return out, nil
}

func eps(p [2]model.Endpoint) string {
	return p[0].App + ":" + p[0].Name + " " + p[1].App + ":" + p[1].Name
}

// Integrate adds a relation between two applications (`app[:endpoint]`).
func (c *Controller) Integrate(a, b string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cands, err := c.candidatesLocked(a, b)
	if err != nil {
		return err
	}
	switch len(cands) {
	case 0:
		return fmt.Errorf("no relations found")
	case 1:
	default:
		var opts []string
		for _, p := range cands {
			opts = append(opts, fmt.Sprintf("%q", eps(p)))
		}
		return fmt.Errorf("ambiguous relation: %q could refer to %s", a+" "+b, strings.Join(opts, "; "))
	}
	for _, r := range c.model.Relations {
		if r.Key() == eps(cands[0]) {
			return fmt.Errorf("cannot add relation %q: relation %s already exists", eps(cands[0]), eps(cands[0]))
		}
	}
	for _, ep := range cands[0] {
		if c.model.Applications[ep.App].Life != model.Alive {
			return fmt.Errorf("cannot add relation %q: application %q is not alive", eps(cands[0]), ep.App)
		}
	}
	c.addRelationLocked([]model.Endpoint{cands[0][0], cands[0][1]})
	c.kick()
	return c.saveLocked()
}

// RemoveRelation marks the relation between a and b dying.
func (c *Controller) RemoveRelation(a, b string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cands, err := c.candidatesLocked(a, b)
	if err != nil {
		return err
	}
	var found []*model.Relation
	for _, p := range cands {
		for _, r := range c.model.Relations {
			if r.Key() == eps(p) && r.Life == model.Alive {
				found = append(found, r)
			}
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("relation %q not found", a+" "+b)
	case 1:
	default:
		return fmt.Errorf("ambiguous relation: %q matches several relations; name the endpoints", a+" "+b)
	}
	found[0].Life = model.Dying
	c.afterOpLocked()
	c.kick()
	return c.saveLocked()
}
