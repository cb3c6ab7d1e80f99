package agent

import (
	"maps"
	"slices"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// NextOp returns the operation unit runs next, following the priorities of
// Juju's uniter resolver (§4): install (after storage-attached) → [hook
// error: only actions, exec and the retry] → relation-created →
// leadership → actions/exec → teardown of a dying unit → queued start →
// upgrade-charm → config-changed → relation hooks → update-status.
// It does not modify the model. ok is false when the unit has nothing to do;
// wake is then the earliest time a timer (retry, update-status) fires.
func NextOp(m *model.Model, unit string, now time.Time) (op Op, ok bool, wake time.Time) {
	u := m.Units[unit]
	if u == nil {
		return Op{}, false, time.Time{}
	}
	a := m.Applications[u.App]
	st := &u.AgentState
	hook := func(kind string) Op {
		return Op{Kind: OpHook, Unit: unit, Hook: model.Hook{Kind: kind, RelationID: -1}}
	}

	if u.Life != model.Alive && !st.Installed {
		return Op{Kind: OpRemove, Unit: unit}, true, time.Time{}
	}
	if !st.Installed {
		if st.Failed != nil {
			return retryOp(m, u, now)
		}
		if op, ok := storageOp(u); ok {
			return op, true, time.Time{}
		}
		return hook("install"), true, time.Time{}
	}
	if st.Failed != nil {
		if op, ok := pendingTask(m, unit); ok {
			return op, true, time.Time{}
		}
		return retryOp(m, u, now)
	}
	if u.Life == model.Alive {
		for _, id := range m.RelationsOf(u.App) {
			r := m.Relations[id]
			ur := st.Relations[id]
			if r.Life == model.Alive && (ur == nil || !ur.Created) {
				return relOp(u, r, RelationCreated, "", "", 0), true, time.Time{}
			}
		}
		if a.Leader == unit && !st.LeaderElected {
			op := hook("leader-elected")
			op.Version = int64(a.LeaderSettingsSeq)
			return op, true, time.Time{}
		}
		if a.Leader != unit && st.LeaderSettingsSeq != a.LeaderSettingsSeq {
			op := hook("leader-settings-changed")
			op.Version = int64(a.LeaderSettingsSeq)
			return op, true, time.Time{}
		}
	}
	if op, ok := pendingTask(m, unit); ok {
		return op, true, time.Time{}
	}
	if u.Life != model.Alive {
		return teardownOp(m, u)
	}
	// Storage added to a running unit (add-storage) attaches after
	// actions and before other hooks, as in Juju's resolver.
	if op, ok := storageOp(u); ok {
		return op, true, time.Time{}
	}
	if st.ConfigSeq > 0 && !st.Started {
		return hook("start"), true, time.Time{}
	}
	if st.CharmSeq != a.CharmSeq {
		op := hook("upgrade-charm")
		op.Version = int64(a.CharmSeq)
		return op, true, time.Time{}
	}
	if st.ConfigSeq != a.ConfigSeq {
		op := hook("config-changed")
		op.Version = int64(a.ConfigSeq)
		return op, true, time.Time{}
	}
	for _, id := range m.RelationsOf(u.App) {
		if op, ok := relationOp(m, u, m.Relations[id]); ok {
			return op, true, time.Time{}
		}
	}
	if st.Started {
		if !now.Before(st.NextUpdateStatus) {
			return hook("update-status"), true, time.Time{}
		}
		return Op{}, false, st.NextUpdateStatus
	}
	return Op{}, false, time.Time{}
}

// storageOp is the storage-attached hook of the unit's first storage
// instance not attached yet.
func storageOp(u *model.Unit) (Op, bool) {
	for _, s := range u.Storage {
		if !u.AgentState.StorageAttached[s.ID] {
			return Op{Kind: OpHook, Unit: u.Name, Hook: model.Hook{Kind: StorageAttached, RelationID: -1, StorageID: s.ID}}, true
		}
	}
	return Op{}, false
}

// retryOp returns the failed hook once its backoff has elapsed.
func retryOp(m *model.Model, u *model.Unit, now time.Time) (Op, bool, time.Time) {
	f := u.AgentState.Failed
	if now.Before(f.NextRetry) {
		return Op{}, false, f.NextRetry
	}
	op := Op{Kind: OpHook, Unit: u.Name, Hook: f.Hook, Retry: true}
	op.Version = CurrentVersion(m, u, f.Hook)
	return op, true, time.Time{}
}

// CurrentVersion is what a successful run of h would record as seen now.
func CurrentVersion(m *model.Model, u *model.Unit, h model.Hook) int64 {
	a := m.Applications[u.App]
	switch h.Kind {
	case "leader-elected", "leader-settings-changed":
		return int64(a.LeaderSettingsSeq)
	case "config-changed":
		return int64(a.ConfigSeq)
	case "upgrade-charm":
		return int64(a.CharmSeq)
	case RelationChanged:
		r := m.Relations[h.RelationID]
		if r == nil {
			return 0
		}
		if h.RemoteUnit == "" {
			if b := r.AppSettings[h.RemoteApp]; b != nil {
				return b.Version
			}
			return 0
		}
		if b := r.UnitSettings[h.RemoteUnit]; b != nil {
			return b.Version
		}
	}
	return 0
}

// pendingTask returns the oldest queued action or exec command of unit.
func pendingTask(m *model.Model, unit string) (Op, bool) {
	best := -1
	for id, a := range m.Actions {
		if a.Unit == unit && a.Status == "pending" && (best < 0 || id < best) {
			best = id
		}
	}
	if best < 0 {
		return Op{}, false
	}
	kind := OpAction
	if m.Actions[best].Name == "" {
		kind = OpExec
	}
	return Op{Kind: kind, Unit: unit, ActionID: best}, true
}

func relOp(u *model.Unit, r *model.Relation, kind, remoteUnit, departing string, version int64) Op {
	ep, _ := r.EndpointFor(u.App)
	return Op{Kind: OpHook, Unit: u.Name, Version: version, Hook: model.Hook{
		Kind:          kind,
		RelationID:    r.ID,
		Endpoint:      ep.Name,
		RemoteUnit:    remoteUnit,
		RemoteApp:     r.RemoteApp(u.App),
		DepartingUnit: departing,
	}}
}

func sortedMembers(ur *model.UnitRelation) []string {
	out := make([]string, 0, len(ur.Members))
	for n := range ur.Members {
		out = append(out, n)
	}
	model.SortUnits(out)
	return out
}

// relationOp is Juju's relation resolver for one relation of a living unit:
// pending -changed after -joined, -departed for members gone, -broken,
// app-level -changed, -joined for newcomers, unit -changed for version bumps.
func relationOp(m *model.Model, u *model.Unit, r *model.Relation) (Op, bool) {
	ur := u.AgentState.Relations[r.ID]
	if ur == nil || !ur.Created || ur.Broken {
		return Op{}, false
	}
	if !u.AgentState.Started && r.Life == model.Alive {
		return Op{}, false
	}
	remote := m.RemoteMembers(r, u.Name)
	inRemote := map[string]bool{}
	for _, n := range remote {
		inRemote[n] = true
	}
	if ur.ChangedPending != "" && inRemote[ur.ChangedPending] {
		return relOp(u, r, RelationChanged, ur.ChangedPending, "", bagVersion(r.UnitSettings[ur.ChangedPending])), true
	}
	for _, n := range sortedMembers(ur) {
		if !inRemote[n] {
			return relOp(u, r, RelationDeparted, n, n, 0), true
		}
	}
	if r.Life != model.Alive {
		if !r.IsPeer() {
			return relOp(u, r, RelationBroken, "", "", 0), true
		}
		return Op{}, false
	}
	remoteApp := r.RemoteApp(u.App)
	if b := r.AppSettings[remoteApp]; b != nil && b.Version > 0 && b.Version != ur.AppVersion {
		return relOp(u, r, RelationChanged, "", "", b.Version), true
	}
	for _, n := range remote {
		if _, ok := ur.Members[n]; !ok {
			return relOp(u, r, RelationJoined, n, "", 0), true
		}
	}
	for _, n := range remote {
		if v := bagVersion(r.UnitSettings[n]); v != ur.Members[n] {
			return relOp(u, r, RelationChanged, n, "", v), true
		}
	}
	return Op{}, false
}

func bagVersion(b *model.Bag) int64 {
	if b == nil {
		return 0
	}
	return b.Version
}

// teardownOp is a dying unit's sequence: for every relation -departed for
// each member (JUJU_DEPARTING_UNIT = the dying unit itself) then -broken
// (not for peers), then stop, storage-detaching, remove.
func teardownOp(m *model.Model, u *model.Unit) (Op, bool, time.Time) {
	st := &u.AgentState
	for _, id := range slices.Sorted(maps.Keys(st.Relations)) {
		ur := st.Relations[id]
		r := m.Relations[id]
		if r == nil || !ur.Created || ur.Broken {
			continue
		}
		if members := sortedMembers(ur); len(members) > 0 {
			return relOp(u, r, RelationDeparted, members[0], u.Name, 0), true, time.Time{}
		}
		if !r.IsPeer() {
			return relOp(u, r, RelationBroken, "", "", 0), true, time.Time{}
		}
	}
	if !st.Stopped {
		return Op{Kind: OpHook, Unit: u.Name, Hook: model.Hook{Kind: "stop", RelationID: -1}}, true, time.Time{}
	}
	for _, s := range u.Storage {
		if st.StorageAttached[s.ID] {
			return Op{Kind: OpHook, Unit: u.Name, Hook: model.Hook{Kind: StorageDetaching, RelationID: -1, StorageID: s.ID}}, true, time.Time{}
		}
	}
	return Op{Kind: OpHook, Unit: u.Name, Hook: model.Hook{Kind: "remove", RelationID: -1}}, true, time.Time{}
}
