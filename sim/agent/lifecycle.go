package agent

import (
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Prepare does what Juju's agent does before a hook process starts: enter
// relation scope before -created (so the unit's address settings exist),
// the install-time and stop-time workload statuses, and the agent status
// "executing".
func Prepare(m *model.Model, op Op, now time.Time) {
	u := m.Units[op.Unit]
	if u == nil {
		return
	}
	switch op.Kind {
	case OpAction:
		a := m.Actions[op.ActionID]
		a.Status = "running"
		a.Started = now
		u.SetAgent(model.StatusInfo{Status: "executing", Message: "running action " + a.Name, Since: now})
		return
	case OpExec, OpRemove:
		return
	}
	switch op.Hook.Kind {
	case RelationCreated:
		m.EnterScope(m.Relations[op.Hook.RelationID], u.Name)
	case "install":
		if !u.WorkloadSetByCharm {
			u.SetWorkload(model.StatusInfo{Status: "maintenance", Message: "installing charm software", Since: now})
		}
	case "stop":
		u.SetWorkload(model.StatusInfo{Status: "maintenance", Message: "cleaning up prior to charm deletion", Since: now})
	}
	if op.Hook.Kind != "update-status" {
		u.SetAgent(model.StatusInfo{Status: "executing", Message: "running " + HookName(op.Hook) + " hook", Since: now})
	}
}

// Committed records a successful hook in the unit agent's state (the
// hook's own writes are flushed by its Context before this).
func Committed(m *model.Model, op Op, now time.Time) {
	u := m.Units[op.Unit]
	if u == nil {
		return
	}
	st := &u.AgentState
	if op.Retry || st.Failed != nil && op.Kind == OpHook {
		st.Failed = nil
	}
	if op.Kind != OpHook {
		if st.Failed != nil {
			// Actions run while a hook is in error; the error stays.
			u.SetAgent(failStatus(st.Failed.Hook, now))
		} else {
			u.SetAgent(model.StatusInfo{Status: "idle", Since: now})
		}
		return
	}
	h := op.Hook
	var ur *model.UnitRelation
	if h.RelationID >= 0 {
		ur = st.Relations[h.RelationID]
		if ur == nil {
			ur = &model.UnitRelation{Members: map[string]int64{}}
			st.Relations[h.RelationID] = ur
		}
	}
	switch h.Kind {
	case StorageAttached:
		if st.StorageAttached == nil {
			st.StorageAttached = map[string]bool{}
		}
		st.StorageAttached[h.StorageID] = true
	case StorageDetaching:
		st.StorageAttached[h.StorageID] = false
	case "install":
		st.Installed = true
	case "leader-elected":
		st.LeaderElected = true
		st.LeaderSettingsSeq = int(op.Version)
	case "leader-settings-changed":
		st.LeaderSettingsSeq = int(op.Version)
	case "config-changed":
		st.ConfigSeq = int(op.Version)
	case "upgrade-charm":
		st.CharmSeq = int(op.Version)
		st.ConfigSeq = -1 // queues config-changed
	case "start":
		st.Started = true
		st.NextUpdateStatus = now.Add(m.UpdateStatusInterval)
		if !u.WorkloadSetByCharm {
			u.SetWorkload(model.StatusInfo{Status: "unknown", Since: now})
		}
	case "update-status":
		st.NextUpdateStatus = now.Add(m.UpdateStatusInterval)
	case "stop":
		st.Stopped = true
		u.SetWorkload(model.StatusInfo{Status: "terminated", Since: now})
	case RelationCreated:
		ur.Created = true
	case RelationJoined:
		ur.Members[h.RemoteUnit] = -1
		ur.ChangedPending = h.RemoteUnit
	case RelationChanged:
		if h.RemoteUnit == "" {
			ur.AppVersion = op.Version
		} else {
			ur.Members[h.RemoteUnit] = op.Version
			if ur.ChangedPending == h.RemoteUnit {
				ur.ChangedPending = ""
			}
		}
	case RelationDeparted:
		delete(ur.Members, h.RemoteUnit)
		if ur.ChangedPending == h.RemoteUnit {
			ur.ChangedPending = ""
		}
	case RelationBroken:
		ur.Broken = true
	}
	u.SetAgent(model.StatusInfo{Status: "idle", Since: now})
}

// Failed records a failed hook: Juju stores the error on the agent status
// (`hook failed: "<name>"`, shown as a workload error), runs no other hook
// and retries it after 5s, doubling up to 5min (model's backoff knobs).
func Failed(m *model.Model, op Op, now time.Time) {
	u := m.Units[op.Unit]
	if u == nil {
		return
	}
	st := &u.AgentState
	attempts := 0
	if st.Failed != nil {
		attempts = st.Failed.Attempts
	}
	delay := Backoff(m.RetryBackoff, m.RetryBackoffMax, attempts+1)
	st.Failed = &model.FailedHook{Hook: op.Hook, Attempts: attempts + 1, NextRetry: now.Add(delay)}
	u.SetAgent(failStatus(op.Hook, now))
}

// failStatus is the agent status of a failed hook, with Juju's data.
func failStatus(h model.Hook, now time.Time) model.StatusInfo {
	data := map[string]any{"hook": HookName(h)}
	if h.RelationID >= 0 {
		data["relation-id"] = h.RelationID
	}
	if h.RemoteUnit != "" {
		data["remote-unit"] = h.RemoteUnit
	}
	return model.StatusInfo{
		Status:  "error",
		Message: fmt.Sprintf("hook failed: %q", HookName(h)),
		Data:    data,
		Since:   now,
	}
}
