package model

// severity orders workload statuses as Juju's DeriveStatus does.
var severity = map[string]int{
	"error":       7,
	"blocked":     6,
	"maintenance": 5,
	"waiting":     4,
	"active":      3,
	"terminated":  2,
	"unknown":     1,
}

// DisplayWorkload is the workload status `juju status` shows: a hook error
// is stored on the agent but shown as workload `error` with its message.
func DisplayWorkload(u *Unit) StatusInfo {
	if u.Agent.Status == "error" {
		return u.Agent
	}
	return u.Workload
}

// DisplayAgent is the agent status `juju status` shows: idle while a hook
// error is pending.
func DisplayAgent(u *Unit) StatusInfo {
	if u.Agent.Status == "error" {
		return StatusInfo{Status: "idle", Since: u.Agent.Since}
	}
	return u.Agent
}

// AppStatus is the application's status: what the leader set, else
// derived from its units by severity, taking that unit's message.
func AppStatus(m *Model, a *Application) StatusInfo {
	if a.Status.Status != "" {
		return a.Status
	}
	best := StatusInfo{Status: "unknown"}
	for _, n := range m.AppUnits(a.Name) {
		w := DisplayWorkload(m.Units[n])
		if severity[w.Status] > severity[best.Status] {
			best = w
		}
	}
	return best
}
