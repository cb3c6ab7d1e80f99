package relations

import (
	"maps"
	"strings"
)

// Leader is the application's leader settings (leader-get). token,
// cluster, leader_address and snapd_refresh keep layer-etcd's meanings;
// snapd_refresh_source is the snapd_refresh option the leader turned into
// snapd_refresh; join-<name> admits a unit that joins an existing
// cluster, holding the initial cluster it must start with; restart-lock
// names the one unit allowed to restart now; voters identifies the voting
// members after the leader's last promotion (changing it wakes every
// unit, so a promoted learner and its peers report the new membership
// without waiting for update-status); etcd_channel is the channel the
// leader's etcd snap tracks, which a new unit configured with channel
// "auto" installs so that it runs the cluster's release; force_rejoin
// (layer-etcd's key and meaning) is set to a new token by a restore or a
// rebuild of the cluster on the leader's member: every other unit then
// moves its member's data aside and joins the new cluster afresh;
// peer-name is the
// DNS name every member's etcd allows on its peer port once the leader
// raised the peer boundary (charm.DecidePeerName), "" before.
type Leader struct {
	Token              string
	Cluster            string
	LeaderAddress      string
	SnapdRefresh       string
	SnapdRefreshSource string
	RestartLock        string
	Voters             string
	EtcdChannel        string
	ForceRejoin        string
	PeerName           string
	Joins              map[string]string // member name → initial cluster
}

const joinPrefix = "join-"

// DecodeLeader reads leader settings.
func DecodeLeader(m map[string]string) Leader {
	l := Leader{
		Token:              m["token"],
		Cluster:            m["cluster"],
		LeaderAddress:      m["leader_address"],
		SnapdRefresh:       m["snapd_refresh"],
		SnapdRefreshSource: m["snapd_refresh_source"],
		RestartLock:        m["restart-lock"],
		Voters:             m["voters"],
		EtcdChannel:        m["etcd_channel"],
		ForceRejoin:        m["force_rejoin"],
		PeerName:           m["peer-name"],
		Joins:              map[string]string{},
	}
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, joinPrefix); ok && name != "" && v != "" {
			l.Joins[name] = v
		}
	}
	return l
}

// Settings renders the leader settings as leader-set writes them (an
// empty value deletes its key).
func (l Leader) Settings() map[string]string {
	m := map[string]string{
		"token":                l.Token,
		"cluster":              l.Cluster,
		"leader_address":       l.LeaderAddress,
		"snapd_refresh":        l.SnapdRefresh,
		"snapd_refresh_source": l.SnapdRefreshSource,
		"restart-lock":         l.RestartLock,
		"voters":               l.Voters,
		"etcd_channel":         l.EtcdChannel,
		"force_rejoin":         l.ForceRejoin,
		"peer-name":            l.PeerName,
	}
	for name, v := range l.Joins {
		m[JoinKey(name)] = v
	}
	return m
}

// Clone is a copy whose Joins can be changed without touching l's.
func (l Leader) Clone() Leader {
	l.Joins = maps.Clone(l.Joins)
	if l.Joins == nil {
		l.Joins = map[string]string{}
	}
	return l
}

// LeaderChanges is what leader-set must write to turn settings from into
// to: the keys whose values differ, a removed admission as "" (which
// deletes it). Nothing to write is an empty map.
func LeaderChanges(from, to Leader) map[string]string {
	return Changes(from.Settings(), to.Settings())
}

// JoinKey is the leader-settings key admitting member name.
func JoinKey(name string) string { return joinPrefix + name }

// Changes is the key=value updates turning bag from into bag to, where an
// absent key and an empty value are the same: relation-set and leader-set
// delete a key set to "", and state-set stores "", which the decoders
// read as absent.
func Changes(from, to map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range to {
		if from[k] != v {
			out[k] = v
		}
	}
	for k, v := range from {
		if _, ok := to[k]; !ok && v != "" {
			out[k] = ""
		}
	}
	return out
}
