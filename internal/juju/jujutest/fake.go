// Package jujutest provides a stateful in-memory fake of juju.Tools with the
// same buffering rules Juju applies, so handlers can be tested as
// state-in → event → state-out.
package jujutest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// Relation is one relation as the unit under test sees it.
type Relation struct {
	Endpoint  string
	RemoteApp string
	// Units maps each remote unit in scope to its bag.
	Units map[string]map[string]string
	// AppData is the remote application's bag; LocalAppData the own
	// application's bag; LocalUnitData the unit's own bag.
	AppData       map[string]string
	LocalAppData  map[string]string
	LocalUnitData map[string]string
}

// Tools is a fake juju.Tools. Set its fields to arrange a scenario, run a
// handler, then inspect the fields (and Calls) to assert. It is safe for
// concurrent use.
type Tools struct {
	mu sync.Mutex

	Unit       string
	Leader     bool
	Config     map[string]any
	Relations  map[string]*Relation // by id, "db:1"
	LeaderData map[string]string    // leader settings
	State      map[string]string
	Ports      []string
	Network    map[string]juju.Network // by binding
	Resources  map[string]string       // name → path; absent = no blob
	Storage    map[string]juju.Storage // by id

	// Status and AppStatus are the last status-set values; StatusHistory
	// every unit status set, in order.
	Status        juju.Status
	AppStatus     juju.Status
	StatusHistory []juju.Status
	Version       string

	// Action: params in, results out.
	ActionParams  map[string]any
	ActionResults map[string]string
	ActionFailed  string
	ActionLogs    []string
	Logs          []string

	// Fail makes the named tool fail with the given error.
	Fail map[string]error
	// Calls records every tool call as "tool arg..." strings.
	Calls []string
}

var _ juju.Tools = (*Tools)(nil)

// New returns a fake for unit with empty state.
func New(unit string) *Tools {
	return &Tools{
		Unit:       unit,
		Config:     map[string]any{},
		Relations:  map[string]*Relation{},
		LeaderData: map[string]string{},
		State:      map[string]string{},
		Network:    map[string]juju.Network{},
		Resources:  map[string]string{},
		Storage:    map[string]juju.Storage{},
		Fail:       map[string]error{},
	}
}

// AddRelation adds a relation with id and returns it for further setup.
func (t *Tools) AddRelation(id, remoteApp string) *Relation {
	t.mu.Lock()
	defer t.mu.Unlock()
	endpoint, _, _ := strings.Cut(id, ":")
	r := &Relation{
		Endpoint:      endpoint,
		RemoteApp:     remoteApp,
		Units:         map[string]map[string]string{},
		AppData:       map[string]string{},
		LocalAppData:  map[string]string{},
		LocalUnitData: map[string]string{},
	}
	t.Relations[id] = r
	return r
}

func (t *Tools) begin(tool string, args ...string) error {
	t.mu.Lock()
	t.Calls = append(t.Calls, strings.TrimSpace(tool+" "+strings.Join(args, " ")))
	return t.Fail[tool]
}

func (t *Tools) relation(id string) (*Relation, error) {
	r, ok := t.Relations[id]
	if !ok {
		return nil, &juju.ToolError{Tool: "relation", Code: 2, Stderr: fmt.Sprintf("ERROR invalid value %q for flag -r: relation not found\n", id)}
	}
	return r, nil
}

func (t *Tools) RelationIDs(_ context.Context, endpoint string) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("relation-ids", endpoint); err != nil {
		return nil, err
	}
	var ids []string
	for id, r := range t.Relations {
		if r.Endpoint == endpoint {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (t *Tools) RelationList(_ context.Context, id string) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("relation-list", "-r", id); err != nil {
		return nil, err
	}
	r, err := t.relation(id)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(r.Units)), nil
}

func (t *Tools) RelationRemoteApp(_ context.Context, id string) (string, error) {
	defer t.mu.Unlock()
	if err := t.begin("relation-list", "-r", id, "--app"); err != nil {
		return "", err
	}
	r, err := t.relation(id)
	if err != nil {
		return "", err
	}
	return r.RemoteApp, nil
}

func (t *Tools) RelationGet(_ context.Context, id, name string, app bool) (map[string]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("relation-get", "-r", id, name); err != nil {
		return nil, err
	}
	r, err := t.relation(id)
	if err != nil {
		return nil, err
	}
	ownApp, _, _ := strings.Cut(t.Unit, "/")
	var bag map[string]string
	switch {
	case !app && name == t.Unit:
		bag = r.LocalUnitData
	case app && name == ownApp:
		if !t.Leader && r.Endpoint != "cluster" && r.RemoteApp != ownApp {
			return nil, &juju.ToolError{Tool: "relation-get", Code: 1, Stderr: "ERROR permission denied\n"}
		}
		bag = r.LocalAppData
	case app && name == r.RemoteApp:
		bag = r.AppData
	case !app && r.Units[name] != nil:
		bag = r.Units[name]
	default:
		return nil, &juju.ToolError{Tool: "relation-get", Code: 1, Stderr: "ERROR permission denied\n"}
	}
	return maps.Clone(bag), nil
}

func (t *Tools) RelationSet(_ context.Context, id string, app bool, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("relation-set", "-r", id); err != nil {
		return err
	}
	r, err := t.relation(id)
	if err != nil {
		return err
	}
	bag := r.LocalUnitData
	if app {
		if !t.Leader {
			return &juju.ToolError{Tool: "relation-set", Code: 1, Stderr: "ERROR cannot write relation settings\n"}
		}
		bag = r.LocalAppData
	}
	setOrDelete(bag, settings)
	return nil
}

func setOrDelete(bag, settings map[string]string) {
	for k, v := range settings {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}
