package charm

import (
	"fmt"
	"sort"
	"strings"
)

// MemberHealth is what a unit observed of one etcd member.
type MemberHealth struct {
	Name    string
	Learner bool
	Started bool // it has published its name (joined the cluster)
	Healthy bool // it answered a linearizable read (voters only)
}

// HealthReport is the cluster as a unit saw it.
type HealthReport struct {
	Members []MemberHealth
	Alarms  []string // alarm types as etcd lists them, one per member
	// AlarmsListed is set when the cluster answered the alarm list: it goes
	// through raft, so a majority is reachable whatever the health probes
	// said (etcd's health check fails on every member while an alarm is
	// raised).
	AlarmsListed bool
}

// Health is the status it deserves: Level is "active", "waiting" or
// "blocked".
type Health struct {
	Level   string
	Message string
	// QuorumLost is set when a majority of the voters is down; Missing
	// names them and Voters counts the voters (see QuorumLoss).
	QuorumLost bool
	Missing    []string
	Voters     int
}

// MaxStatusLen keeps messages readable in `juju status`'s one-line column.
const MaxStatusLen = 120

// alarmAdvice is what clears each alarm the charm knows.
var alarmAdvice = map[string]string{
	"NOSPACE": "free space (compact, defrag), then run the alarm-disarm action",
	"CORRUPT": "replace the corrupt member, then run the alarm-disarm action",
}

// ClusterHealth says what is true of the cluster: each alarm once, with
// what clears it; quorum lost only when a majority of the voters is down
// (not started or not answering) and the alarm list went unanswered,
// naming them; the members down while
// quorum holds; active "Healthy with N known peers" otherwise.
func ClusterHealth(r HealthReport) Health {
	n := len(r.Members)
	var voters, down, unstarted []string
	for _, m := range r.Members {
		if m.Learner {
			continue
		}
		voters = append(voters, m.Name)
		switch {
		case !m.Started:
			unstarted = append(unstarted, m.Name)
		case !m.Healthy:
			down = append(down, m.Name)
		}
	}
	missing := append(append([]string{}, down...), unstarted...)
	sort.Strings(missing)
	alarms := dedup(r.Alarms)
	if len(alarms) > 0 {
		a := alarms[0]
		advice := alarmAdvice[a]
		if advice == "" {
			advice = "then run the alarm-disarm action"
		}
		msg := a + " alarm raised; " + advice
		if len(alarms) > 1 {
			msg = strings.Join(alarms, ", ") + " alarms raised; " + advice
		}
		return Health{Level: "blocked", Message: fitStatus(msg, nil, "")}
	}
	if !r.AlarmsListed && len(voters) > 0 && len(voters)-len(missing) <= len(voters)/2 {
		return Health{Level: "blocked", Message: fitStatus(fmt.Sprintf("Quorum lost: %d of %d members down", len(missing), len(voters)),
			missing, "; start them again to restore quorum"), QuorumLost: true, Missing: missing, Voters: len(voters)}
	}
	if len(down) > 0 {
		return Health{Level: "blocked", Message: fitStatus(fmt.Sprintf("Degraded: quorum holds, %d down", len(down)), down, "; "+PeersMessage(n))}
	}
	if len(unstarted) > 0 {
		return Health{Level: "waiting", Message: fitStatus(fmt.Sprintf("Waiting for %d member(s) to start", len(unstarted)), unstarted, "; "+PeersMessage(n))}
	}
	return Health{Level: "active", Message: "Healthy with " + PeersMessage(n)}
}

func dedup(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// fitStatus builds head + " (a, b, c)" + tail within MaxStatusLen: names
// that do not fit become "and N more", and a head or tail too long is cut
// at a word boundary with "…", never inside a word.
func fitStatus(head string, names []string, tail string) string {
	for k := len(names); k >= 0; k-- {
		list := ""
		if len(names) > 0 {
			shown := append([]string{}, names[:k]...)
			if k < len(names) {
				shown = append(shown, fmt.Sprintf("%d more", len(names)-k))
			}
			list = " (" + strings.Join(shown, ", ") + ")"
		}
		if msg := head + list + tail; len(msg) <= MaxStatusLen {
			return msg
		}
		if k == 0 {
			return cutWords(head+list+tail, MaxStatusLen)
		}
	}
	return cutWords(head+tail, MaxStatusLen)
}

// cutWords shortens s to at most max bytes at a space, marking the cut.
func cutWords(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	cut := s[:max-len(mark)]
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, ",;: ") + mark
}

// SilentHealth is the status of a unit whose etcd did not answer the member
// list (cause): from the started peers' health probes, quorum lost naming
// the members down, or a wait naming those down while a majority answers.
func SilentHealth(peers []MemberHealth, cause string) Health {
	h := ClusterHealth(HealthReport{Members: peers})
	if h.QuorumLost {
		return h
	}
	var down []string
	for _, m := range peers {
		if !m.Learner && (!m.Started || !m.Healthy) {
			down = append(down, m.Name)
		}
	}
	if len(down) > 0 {
		return Health{Level: "waiting", Message: fitStatus("Waiting for etcd to answer; members down", down, "")}
	}
	return Health{Level: "waiting", Message: cutWords("Waiting for etcd to answer: "+cause, MaxStatusLen)}
}
