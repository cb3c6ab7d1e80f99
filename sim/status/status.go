// Package status builds `juju status` output from jujusim's model: the
// structure of `--format yaml|json` (Juju's cmd/juju/status formatted
// types: applications.<app>.units.<unit> with workload-status,
// juju-status, leader, machine, open-ports, public-address) and the
// tabular layout (§8 of juju-hook-semantics.md).
package status

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Status is the whole formatted status, fields in Juju's order.
type Status struct {
	Model        ModelInfo              `json:"model" yaml:"model"`
	Machines     map[string]Machine     `json:"machines" yaml:"machines"`
	Applications map[string]Application `json:"applications" yaml:"applications"`
	Controller   ControllerInfo         `json:"controller" yaml:"controller"`
	// Relations feed the tabular --relations section (not in yaml/json,
	// where they live under each application).
	RelationRows []Relation `json:"-" yaml:"-"`
}

// ModelInfo is the model section.
type ModelInfo struct {
	Name        string `json:"name" yaml:"name"`
	Type        string `json:"type" yaml:"type"`
	Controller  string `json:"controller" yaml:"controller"`
	Cloud       string `json:"cloud" yaml:"cloud"`
	Region      string `json:"region,omitempty" yaml:"region,omitempty"`
	Version     string `json:"version" yaml:"version"`
	ModelStatus Info   `json:"model-status" yaml:"model-status"`
	SLA         string `json:"sla" yaml:"sla"`
}

// Info is Juju's statusInfoContents.
type Info struct {
	Current string `json:"current,omitempty" yaml:"current,omitempty"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	Since   string `json:"since,omitempty" yaml:"since,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
}

// Base is a machine or application base.
type Base struct {
	Name    string `json:"name" yaml:"name"`
	Channel string `json:"channel" yaml:"channel"`
}

// Machine is one machine.
type Machine struct {
	JujuStatus    Info     `json:"juju-status" yaml:"juju-status"`
	Hostname      string   `json:"hostname" yaml:"hostname"`
	DNSName       string   `json:"dns-name" yaml:"dns-name"`
	IPAddresses   []string `json:"ip-addresses" yaml:"ip-addresses"`
	InstanceID    string   `json:"instance-id" yaml:"instance-id"`
	MachineStatus Info     `json:"machine-status" yaml:"machine-status"`
	Base          Base     `json:"base" yaml:"base"`
}

// Application is one application.
type Application struct {
	Charm       string                  `json:"charm" yaml:"charm"`
	Base        Base                    `json:"base" yaml:"base"`
	CharmOrigin string                  `json:"charm-origin" yaml:"charm-origin"`
	CharmName   string                  `json:"charm-name" yaml:"charm-name"`
	CharmRev    int                     `json:"charm-rev" yaml:"charm-rev"`
	Exposed     bool                    `json:"exposed" yaml:"exposed"`
	Life        string                  `json:"life,omitempty" yaml:"life,omitempty"`
	Status      Info                    `json:"application-status" yaml:"application-status"`
	Relations   map[string][]RelatedApp `json:"relations,omitempty" yaml:"relations,omitempty"`
	Units       map[string]Unit         `json:"units,omitempty" yaml:"units,omitempty"`
	Version     string                  `json:"version,omitempty" yaml:"version,omitempty"`
	Bindings    map[string]string       `json:"endpoint-bindings,omitempty" yaml:"endpoint-bindings,omitempty"`
}

// RelatedApp is one entry of an application's relations.
type RelatedApp struct {
	RelatedApplication string `json:"related-application" yaml:"related-application"`
	Interface          string `json:"interface" yaml:"interface"`
	Scope              string `json:"scope" yaml:"scope"`
}

// Unit is one unit.
type Unit struct {
	WorkloadStatus Info     `json:"workload-status" yaml:"workload-status"`
	JujuStatus     Info     `json:"juju-status" yaml:"juju-status"`
	Leader         bool     `json:"leader,omitempty" yaml:"leader,omitempty"`
	Machine        string   `json:"machine,omitempty" yaml:"machine,omitempty"`
	OpenPorts      []string `json:"open-ports,omitempty" yaml:"open-ports,omitempty"`
	PublicAddress  string   `json:"public-address,omitempty" yaml:"public-address,omitempty"`
}

// ControllerInfo is the controller section.
type ControllerInfo struct {
	Timestamp string `json:"timestamp" yaml:"timestamp"`
}

// Relation is one row of the tabular relations section.
type Relation struct {
	Provider, Requirer, Interface, Type, Message string
}

// formatTime is Juju's status time format.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("02 Jan 2006 15:04:05Z07:00")
}

func info(s model.StatusInfo, version string) Info {
	return Info{Current: s.Status, Message: s.Message, Since: formatTime(s.Since), Version: version}
}

func splitBase(b string) Base {
	name, ch, _ := strings.Cut(b, "@")
	return Base{Name: name, Channel: ch}
}

// Build formats the model. executing maps a unit to the operation it is
// running, for the tabular message prefix.
func Build(m *model.Model, now time.Time) Status {
	s := Status{
		Model: ModelInfo{
			Name: m.Name, Type: "iaas", Controller: "jujusim", Cloud: "localhost", Region: "localhost",
			Version: agent.JujuVersion, ModelStatus: Info{Current: "available", Since: formatTime(m.Created)}, SLA: "unsupported",
		},
		Machines:     map[string]Machine{},
		Applications: map[string]Application{},
		Controller:   ControllerInfo{Timestamp: now.UTC().Format("15:04:05Z")},
	}
	for id, mc := range m.Machines {
		base := "ubuntu@22.04"
		for _, u := range m.Units {
			if u.Machine == id {
				base = m.Applications[u.App].Base
			}
		}
		s.Machines[id] = Machine{
			JujuStatus:    Info{Current: "started", Since: formatTime(mc.Created), Version: agent.JujuVersion},
			Hostname:      "juju-" + m.UUID[len(m.UUID)-6:] + "-" + id,
			DNSName:       mc.Address,
			IPAddresses:   []string{mc.Address},
			InstanceID:    "juju-" + m.UUID[len(m.UUID)-6:] + "-" + id,
			MachineStatus: Info{Current: "running", Message: "Running", Since: formatTime(mc.Created)},
			Base:          splitBase(base),
		}
	}
	for name, a := range m.Applications {
		app := Application{
			Charm: "local:" + a.CharmName + "-" + strconv.Itoa(a.CharmRev), Base: splitBase(a.Base),
			CharmOrigin: "local", CharmName: a.CharmName, CharmRev: a.CharmRev,
			Status: info(model.AppStatus(m, a), ""), Version: a.Version, Units: map[string]Unit{},
			Relations: map[string][]RelatedApp{},
		}
		if a.Life != model.Alive {
			app.Life = "dying"
		}
		for _, id := range m.RelationsOf(name) {
			r := m.Relations[id]
			ep, _ := r.EndpointFor(name)
			app.Relations[ep.Name] = append(app.Relations[ep.Name], RelatedApp{RelatedApplication: r.RemoteApp(name), Interface: ep.Interface, Scope: "global"})
		}
		if len(app.Relations) == 0 {
			app.Relations = nil
		}
		for _, un := range m.AppUnits(name) {
			u := m.Units[un]
			mc := m.Machines[u.Machine]
			unit := Unit{
				WorkloadStatus: info(model.DisplayWorkload(u), ""),
				JujuStatus:     info(model.DisplayAgent(u), agent.JujuVersion),
				Leader:         a.Leader == un,
				Machine:        u.Machine,
				OpenPorts:      PortStrings(u.Ports),
			}
			if mc != nil {
				unit.PublicAddress = mc.Address
			}
			app.Units[un] = unit
		}
		s.Applications[name] = app
	}
	for _, id := range m.RelationIDs() {
		r := m.Relations[id]
		row := Relation{Interface: r.Endpoints[0].Interface}
		if r.IsPeer() {
			row.Provider = r.Endpoints[0].App + ":" + r.Endpoints[0].Name
			row.Requirer = row.Provider
			row.Type = "peer"
		} else {
			row.Provider = r.Endpoints[0].App + ":" + r.Endpoints[0].Name
			row.Requirer = r.Endpoints[1].App + ":" + r.Endpoints[1].Name
			row.Type = "regular"
		}
		if r.Life != model.Alive {
			row.Message = "removing"
		}
		s.RelationRows = append(s.RelationRows, row)
	}
	return s
}

// PortStrings renders opened ranges as Juju does in yaml/json: "80/tcp",
// "8000-8080/udp", "icmp".
func PortStrings(ports []model.PortRange) []string {
	var out []string
	for _, p := range ports {
		out = append(out, portString(p))
	}
	return out
}

func portString(p model.PortRange) string {
	if p.Protocol == "icmp" {
		return "icmp"
	}
	if p.From == p.To {
		return fmt.Sprintf("%d/%s", p.From, p.Protocol)
	}
	return fmt.Sprintf("%d-%d/%s", p.From, p.To, p.Protocol)
}

// TabularPorts is the Ports column: per protocol, ports sorted with
// consecutive singles collapsed into ranges: "80,443/tcp", "8000-8002/tcp
// 53/udp", "icmp".
func TabularPorts(ports []string) string {
	byProto := map[string][][2]int{}
	icmp := false
	for _, s := range ports {
		if s == "icmp" {
			icmp = true
			continue
		}
		spec, proto, ok := strings.Cut(s, "/")
		if !ok {
			continue
		}
		from, to := spec, spec
		if a, b, ok := strings.Cut(spec, "-"); ok {
			from, to = a, b
		}
		f, _ := strconv.Atoi(from)
		t, _ := strconv.Atoi(to)
		byProto[proto] = append(byProto[proto], [2]int{f, t})
	}
	protos := slices.Sorted(maps.Keys(byProto))
	var groups []string
	for _, proto := range protos {
		rs := byProto[proto]
		sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
		var merged [][2]int
		for _, r := range rs {
			if n := len(merged); n > 0 && r[0] <= merged[n-1][1]+1 {
				if r[1] > merged[n-1][1] {
					merged[n-1][1] = r[1]
				}
				continue
			}
			merged = append(merged, r)
		}
		var parts []string
		for _, r := range merged {
			if r[0] == r[1] {
				parts = append(parts, strconv.Itoa(r[0]))
			} else {
				parts = append(parts, fmt.Sprintf("%d-%d", r[0], r[1]))
			}
		}
		groups = append(groups, strings.Join(parts, ",")+"/"+proto)
	}
	if icmp {
		groups = append(groups, "icmp")
	}
	return strings.Join(groups, " ")
}
