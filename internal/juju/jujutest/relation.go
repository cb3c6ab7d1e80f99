package jujutest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// Relation tools. Reads follow Juju's rules (§2.2): the own unit's bag and
// the leader's own application bag include this hook's pending writes;
// remote bags are committed data, read once per hook; a non-leader reads its own application's
// bag only on a peer relation; anything else is permission denied.

func (t *Tools) relation(tool, id string) (*Relation, error) {
	r, ok := t.Relations[id]
	if !ok {
		return nil, toolError(tool, 2, fmt.Sprintf("invalid value %q for flag -r: relation not found", id))
	}
	return r, nil
}

func (t *Tools) RelationIDs(_ context.Context, endpoint string) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("relation-ids", endpoint); err != nil {
		return nil, err
	}
	ids := []string{}
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
	r, err := t.relation("relation-list", id)
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
	r, err := t.relation("relation-list", id)
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
	r, err := t.relation("relation-get", id)
	if err != nil {
		return nil, err
	}
	denied := toolError("relation-get", 1, "permission denied")
	switch {
	case !app && name == t.Unit:
		return t.pending.Relation(id, false, r.LocalUnitData), nil
	case app && name == t.ownApp() && t.Leader:
		return t.pending.Relation(id, true, r.LocalAppData), nil
	case app && name == t.ownApp():
		if r.RemoteApp != t.ownApp() {
			return nil, denied // not a peer relation
		}
		return t.cached(id, name, app, r.LocalAppData), nil
	case app && name == r.RemoteApp:
		return t.cached(id, name, app, r.AppData), nil
	case !app && r.Units[name] != nil:
		return t.cached(id, name, app, r.Units[name]), nil
	}
	return nil, denied
}

// cached returns committed data of another unit or application as of the
// hook's first read of it: Juju reads a remote bag once per hook and
// serves the rest of the hook from its cache (runner/context/cache.go).
func (t *Tools) cached(id, name string, app bool, bag map[string]string) map[string]string {
	key := fmt.Sprintf("%s/%s/%t", id, name, app)
	if t.cache == nil {
		t.cache = map[string]map[string]string{}
	}
	if _, ok := t.cache[key]; !ok {
		t.cache[key] = maps.Clone(bag)
	}
	return maps.Clone(t.cache[key])
}

func (t *Tools) RelationSet(_ context.Context, id string, app bool, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("relation-set", "-r", id); err != nil {
		return err
	}
	if _, err := t.relation("relation-set", id); err != nil {
		return err
	}
	if app && !t.Leader {
		return toolError("relation-set", 1, "cannot write relation settings")
	}
	t.pending.SetRelation(id, app, settings)
	return nil
}
