// Package overlay is Juju's buffered hook writes: what one hook wrote with
// relation-set, state-set/state-delete and open-port/close-port, held over
// the committed data until the hook ends. Juju's unit agent keeps these in
// the hook context and flushes them in one transaction only when the hook
// exits 0 (juju-hook-semantics.md §1.4); a failed hook's writes vanish.
// Reads inside the hook see its own pending writes: relation-get of the own
// unit or (leader) own application bag, and state-get. opened-ports does
// not: it lists committed ranges only (§2.4).
//
// The charm's unit-test fake (internal/juju/jujutest) and jujusim (its
// agent and the hook-tool fake) share this one implementation, so the rules
// cannot drift apart. The package is stdlib only and imports nothing of
// either side.
package overlay

import (
	"cmp"
	"maps"
	"slices"
)

// Writes is one hook's pending writes. R identifies a relation: "db:3" on
// the charm side, the int 3 in jujusim. The zero value holds no writes.
// Writes is not safe for concurrent use; its owner locks.
type Writes[R cmp.Ordered] struct {
	unit  map[R]map[string]string // own unit bag writes ("" deletes)
	app   map[R]map[string]string // own application bag writes
	state map[string]*string      // nil value = delete
	ports []portOp
}

type portOp struct {
	open bool
	p    Port
}

// SetRelation buffers writes to the own unit's bag of rel (app true: the
// own application's bag); an empty value deletes the key at commit.
func (w *Writes[R]) SetRelation(rel R, app bool, settings map[string]string) {
	if len(settings) == 0 {
		return
	}
	bags := &w.unit
	if app {
		bags = &w.app
	}
	if *bags == nil {
		*bags = map[R]map[string]string{}
	}
	if (*bags)[rel] == nil {
		(*bags)[rel] = map[string]string{}
	}
	maps.Copy((*bags)[rel], settings)
}

// Relation returns committed with the pending writes to rel's own unit
// (app: own application) bag laid over it, as a new map.
func (w *Writes[R]) Relation(rel R, app bool, committed map[string]string) map[string]string {
	bags := w.unit
	if app {
		bags = w.app
	}
	out := maps.Clone(committed)
	if out == nil {
		out = map[string]string{}
	}
	Apply(out, bags[rel])
	return out
}

// SetState buffers a state-set of key (an empty value is stored as "").
func (w *Writes[R]) SetState(key, value string) {
	if w.state == nil {
		w.state = map[string]*string{}
	}
	w.state[key] = &value
}

// DeleteState buffers a state-delete of key (a missing key is fine).
func (w *Writes[R]) DeleteState(key string) {
	if w.state == nil {
		w.state = map[string]*string{}
	}
	w.state[key] = nil
}

// State returns committed with the pending state writes laid over it, as a
// new map.
func (w *Writes[R]) State(committed map[string]string) map[string]string {
	out := maps.Clone(committed)
	if out == nil {
		out = map[string]string{}
	}
	applyState(out, w.state)
	return out
}

// OpenPort and ClosePort buffer a port change; they apply in order at
// commit, so a close cancels an open of the same range in the same hook.
func (w *Writes[R]) OpenPort(p Port)  { w.ports = append(w.ports, portOp{true, p}) }
func (w *Writes[R]) ClosePort(p Port) { w.ports = append(w.ports, portOp{false, p}) }

// Discard drops every pending write, as Juju does when a hook fails.
func (w *Writes[R]) Discard() { *w = Writes[R]{} }

// Store is the committed data a Commit writes into.
type Store[R cmp.Ordered] interface {
	// RelationBag returns the committed bag rel's pending writes go to:
	// the own unit's or, app true, the own application's, created if
	// need be. nil drops the writes (the relation has gone, or the unit
	// lost leadership: Juju checks it again at commit).
	RelationBag(rel R, app bool) map[string]string
	// RelationChanged is called for every bag whose content the commit
	// changed: Juju bumps its settings version and remote units run
	// -relation-changed; a bag rewritten with what it held changes nothing.
	RelationChanged(rel R, app bool)
	// State returns the committed charm state to write into (non-nil);
	// it is called only when state writes are pending.
	State() map[string]string
	// Ports returns the committed ranges and SetPorts stores what the
	// commit made of them; called only when port writes are pending.
	Ports() []Port
	SetPorts([]Port)
}

// Commit applies the pending writes to s (relation bags in relation order,
// then ports, then state) and empties w, as Juju's context flush does when
// the hook exits 0.
func (w *Writes[R]) Commit(s Store[R]) {
	for _, app := range []bool{false, true} {
		bags := w.unit
		if app {
			bags = w.app
		}
		for _, rel := range slices.Sorted(maps.Keys(bags)) {
			bag := s.RelationBag(rel, app)
			if bag == nil {
				continue
			}
			if Apply(bag, bags[rel]) {
				s.RelationChanged(rel, app)
			}
		}
	}
	if len(w.ports) > 0 {
		ports := s.Ports()
		for _, op := range w.ports {
			ports = SetPort(ports, op.p, op.open)
		}
		s.SetPorts(ports)
	}
	if len(w.state) > 0 {
		applyState(s.State(), w.state)
	}
	w.Discard()
}

// Apply writes settings into bag ("" deletes), Juju's rule for relation and
// leader settings, and reports whether the bag changed.
func Apply(bag, settings map[string]string) bool {
	changed := false
	for k, v := range settings {
		old, had := bag[k]
		switch {
		case v == "" && had:
			delete(bag, k)
			changed = true
		case v != "" && (!had || old != v):
			bag[k] = v
			changed = true
		}
	}
	return changed
}

func applyState(state map[string]string, pending map[string]*string) {
	for k, v := range pending {
		if v == nil {
			delete(state, k)
		} else {
			state[k] = *v
		}
	}
}
