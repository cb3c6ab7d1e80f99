// Relation data of the fake: committed bags per unit and application,
// plus this hook's pending writes to the own unit and application bags.

package jujuctest

import (
	"maps"
	"sort"
	"strconv"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// RelationIDs implements jujuc.Context.
func (c *Context) RelationIDs(endpoint string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, r := range c.Relations {
		if r.Endpoint == endpoint {
			ids = append(ids, r.Endpoint+":"+strconv.Itoa(r.ID))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (c *Context) relation(id int) (*Relation, error) {
	r, ok := c.Relations[id]
	if !ok {
		return nil, jujuc.ErrRelationNotFound
	}
	return r, nil
}

// RelationEndpoint implements jujuc.Context.
func (c *Context) RelationEndpoint(id int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return "", err
	}
	return r.Endpoint, nil
}

// RelationMembers implements jujuc.Context.
func (c *Context) RelationMembers(id int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return nil, err
	}
	members := append([]string(nil), r.Members...)
	sort.Strings(members)
	return members, nil
}

// RelationRemoteApp implements jujuc.Context.
func (c *Context) RelationRemoteApp(id int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return "", err
	}
	return r.RemoteApp, nil
}

// RelationSettings follows Juju's read rules: own unit and (leader) own app
// include pending writes; a non-leader reads its own app bag only on peer
// relations; anything outside the relation is permission denied.
func (c *Context) RelationSettings(id int, name string, app bool) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return nil, err
	}
	own := appOf(c.Unit)
	switch {
	case !app && name == c.Unit:
		return c.writes.Relation(id, false, r.Units[name]), nil
	case app && name == own:
		if c.Leader {
			return c.writes.Relation(id, true, r.Apps[name]), nil
		}
		if !r.Peer {
			return nil, jujuc.ErrPermissionDenied
		}
		return clone(r.Apps[name]), nil
	case app && name == r.RemoteApp:
		return clone(r.Apps[name]), nil
	case !app && appOf(name) == r.RemoteApp:
		if bag, ok := r.Units[name]; ok || contains(r.Members, name) {
			return clone(bag), nil
		}
	}
	return nil, jujuc.ErrPermissionDenied
}

// clone copies a committed bag (an absent bag reads as empty).
func clone(bag map[string]string) map[string]string {
	out := maps.Clone(bag)
	if out == nil {
		out = map[string]string{}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SetRelationSettings implements jujuc.Context.
func (c *Context) SetRelationSettings(id int, app bool, settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.relation(id)
	if err != nil {
		return err
	}
	if app && !c.Leader {
		return jujuc.ErrNotLeader
	}
	c.writes.SetRelation(id, app, settings)
	return nil
}
