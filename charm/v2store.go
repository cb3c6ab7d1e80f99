package charm

import (
	"fmt"
	"strings"

	"github.com/etcd-charm/etcd-charm/relations"
)

// etcd 3.6 has no v2 store (--enable-v2 is gone, --v2-deprecation
// defaults to write-only) and will not start on a member whose data still
// carries v2 keys (etcd.io, "Upgrade etcd from v3.5 to v3.6", V2 Store):
//   - if the newest v2 snapshot (member/snap/*.snap) holds keys outside
//     the membership it fails with "detected disallowed custom content in
//     v2store for stage --v2-deprecation=write-only"
//     (server/etcdserver/bootstrap.go, assertNoV2StoreContent);
//   - if the WAL after that snapshot holds a v2 write other than the
//     membership's own (a set, and also a delete of such a key) it
//     panics with "detected disallowed v2 WAL for stage
//     --v2-deprecation=write-only" (v2ToV3Request).
// layer-etcd runs 3.4 with enable-v2 and its users write v2 keys, so an
// adopted cluster can hold both. etcd's check is `etcdutl check v2store
// --data-dir` (3.5.2x and later ship it), which reads the snapshot and
// the WAL, also while etcd runs on them; its verdict is what
// CheckV2Store judges. The documented way out is: move the v2 keys that
// are needed to the v3 API, delete them from v2, and make every member
// write a v2 snapshot after the deletes (restart it with
// --snapshot-count=1, then back): snapshot_count here.

// V2StoreVerdict is what `etcdutl check v2store` says of a data dir.
type V2StoreVerdict int

const (
	// V2Unchecked: the check could not be made (no etcdutl, or one
	// without `check v2store`, or it failed for another reason).
	V2Unchecked V2StoreVerdict = iota
	// V2Clean: only the membership is in the v2 snapshot and WAL.
	V2Clean
	// V2Custom: the v2 snapshot or the WAL holds v2 keys.
	V2Custom
)

// Texts etcdutl 3.5 prints (etcdutl/etcdutl/check_command.go).
const (
	v2CleanText  = "No custom content found in both v2store and WAL records"
	v2CustomText = "detected custom v2 content in"
)

// ParseV2StoreCheck reads etcdutl's output (stdout and stderr) and
// whether it exited 0.
func ParseV2StoreCheck(output string, ok bool) V2StoreVerdict {
	switch {
	case ok && strings.Contains(output, v2CleanText):
		return V2Clean
	case !ok && strings.Contains(output, v2CustomText):
		return V2Custom
	}
	return V2Unchecked
}

// V2StoreCheck is what CheckV2Store judges for one member.
type V2StoreCheck struct {
	// Installed is the etcd version the member runs ("3.5.35").
	Installed string
	// Target is the version the configured channel serves ("3.6.4").
	Target string
	// Verdict is etcdutl's on the member's data dir; Detail its output,
	// quoted in a refusal.
	Verdict V2StoreVerdict
	Detail  string
}

// NeedsV2StoreCheck reports whether a move from installed to target
// leaves the v2 store behind: only then is the member's v2 data checked.
func NeedsV2StoreCheck(installed, target string) bool {
	return ServesV2(installed) && !ServesV2(target) && knownRelease(target)
}

func knownRelease(v string) bool {
	_, _, ok := parseVersion(v)
	return ok
}

// V2StoreRefusal is a refused move: Status for the unit's status line
// (within MaxStatusLen), Steps the operator's remedy in full, for the
// log.
type V2StoreRefusal struct {
	Status string
	Steps  string
}

// CheckV2Store returns the zero V2StoreRefusal when the member may move
// to c.Target, else the refusal naming what the operator does.
func CheckV2Store(c V2StoreCheck) V2StoreRefusal {
	if !NeedsV2StoreCheck(c.Installed, c.Target) {
		return V2StoreRefusal{}
	}
	from, to := majorMinor(c.Installed), majorMinor(c.Target)
	switch c.Verdict {
	case V2Clean:
		return V2StoreRefusal{}
	case V2Custom:
		return V2StoreRefusal{
			Status: fmt.Sprintf("etcd %s would not start: v2 keys in this member's data; move them to v3 (see juju debug-log)", to),
			Steps: fmt.Sprintf("etcd %s will not start on this member's data: its v2 store or WAL holds v2 keys (etcdutl check v2store: %s). %s",
				to, oneLine(c.Detail), v2Remedy(from, to)),
		}
	}
	detail := ""
	if c.Detail != "" {
		detail = " (" + oneLine(c.Detail) + ")"
	}
	return V2StoreRefusal{
		Status: fmt.Sprintf("Cannot check the v2 store before etcd %s; refresh to the latest %s/stable first", to, from),
		Steps: fmt.Sprintf("Cannot check this member's v2 store before moving to etcd %s%s; refresh to the latest %s/stable first, whose etcdutl has check v2store.",
			to, detail, from),
	}
}

// oneLine keeps the last line of a tool's output, short.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	s = strings.TrimPrefix(s, "Error: ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// v2Remedy is the operator's way from v2 keys to a move to release to
// (etcd.io, Upgrade etcd from v3.5 to v3.6, V2 Store).
func v2Remedy(from, to string) string {
	return fmt.Sprintf("Change channel back to %s/stable; copy the v2 keys still needed to the v3 API and delete them (ETCDCTL_API=2 etcdctl rm --recursive); "+
		"set snapshot_count=1 until every unit has restarted, then back; then change channel to %s/stable again "+
		"(etcd.io, Upgrade etcd from v3.5 to v3.6, V2 Store).", from, to)
}

// The verdict words in the peer bags (relations.V2Check).
var v2Results = map[V2StoreVerdict]string{
	V2Unchecked: relations.V2Unchecked,
	V2Clean:     relations.V2Clean,
	V2Custom:    relations.V2Custom,
}

// PublishedV2Check is what a unit publishes of its own check c, for the
// other units' DecideV2Store; zero when no check is needed.
func PublishedV2Check(c V2StoreCheck) relations.V2Check {
	if !NeedsV2StoreCheck(c.Installed, c.Target) {
		return relations.V2Check{}
	}
	return relations.V2Check{Result: v2Results[c.Verdict], Installed: c.Installed, Target: c.Target}
}

// V2StoreCluster is what DecideV2Store judges: this unit's own check and
// every unit's peer data (this one's included, which is skipped).
type V2StoreCluster struct {
	Unit  string
	Own   V2StoreCheck
	Peers []relations.Peer
}

// V2StoreDecision is one of: move (zero), wait for Waiting (a status),
// or refuse with Refusal.
type V2StoreDecision struct {
	Waiting string
	Refusal V2StoreRefusal
}

// DecideV2Store judges a move to a release without the v2 store for the
// whole application: 3.6 will not start on any member's data that holds
// v2 keys, and a move that left one member behind on 3.5 would break
// "refused, no unit touched". A unit moves only when its own data is
// clean (CheckV2Store) and every other member's unit has published a
// clean verdict for the move to the same target, checked on the etcd it
// runs now. A member already on a release without v2 carries none
// (3.6 started on it). Units not yet members (no etcd run on their
// data) are not asked: they join the cluster empty. Any custom verdict
// refuses, then any unchecked one; a missing or stale verdict waits:
// that unit's next hook publishes one, which wakes this unit.
func DecideV2Store(c V2StoreCluster) V2StoreDecision {
	if !NeedsV2StoreCheck(c.Own.Installed, c.Own.Target) {
		return V2StoreDecision{}
	}
	if r := CheckV2Store(c.Own); r.Status != "" {
		return V2StoreDecision{Refusal: r}
	}
	var custom, unchecked, missing []string
	for _, p := range relations.SortedByUnit(c.Peers) {
		if p.Unit == c.Unit || (p.State != relations.PeerStarted && p.State != relations.PeerStarting) {
			continue
		}
		if knownRelease(p.Version) && !ServesV2(p.Version) {
			continue
		}
		v := p.V2Store
		switch {
		case v.Target != c.Own.Target || v.Installed != p.Version || p.Version == "":
			missing = append(missing, p.Unit)
		case v.Result == relations.V2Custom:
			custom = append(custom, p.Unit)
		case v.Result == relations.V2Unchecked:
			unchecked = append(unchecked, p.Unit)
		case v.Result != relations.V2Clean:
			missing = append(missing, p.Unit)
		}
	}
	from, to := majorMinor(c.Own.Installed), majorMinor(c.Own.Target)
	switch {
	case len(custom) > 0:
		return V2StoreDecision{Refusal: V2StoreRefusal{
			Status: fmt.Sprintf("etcd %s would not start: v2 keys in %s data; move them to v3 (see juju debug-log)", to, unitsPossessive(custom)),
			Steps: fmt.Sprintf("etcd %s will not start on the data of %s: v2 keys in the v2 store or WAL (each unit's log quotes etcdutl check v2store); "+
				"no unit moves until every member's data is clean. %s", to, strings.Join(custom, ", "), v2Remedy(from, to)),
		}}
	case len(unchecked) > 0:
		return V2StoreDecision{Refusal: V2StoreRefusal{
			Status: fmt.Sprintf("Cannot check the v2 store of %s before etcd %s; refresh to the latest %s/stable first", unitsShort(unchecked), to, from),
			Steps: fmt.Sprintf("Cannot check the v2 store of %s before moving to etcd %s (see each unit's log); no unit moves until every member's data is checked. "+
				"Refresh to the latest %s/stable first, whose etcdutl has check v2store.", strings.Join(unchecked, ", "), to, from),
		}}
	case len(missing) > 0:
		return V2StoreDecision{Waiting: fmt.Sprintf("Waiting for the v2 store check of %s before etcd %s", unitsShort(missing), to)}
	}
	return V2StoreDecision{}
}

// unitsShort names the first unit and how many more, to fit a status.
func unitsShort(units []string) string {
	if len(units) == 1 {
		return units[0]
	}
	return fmt.Sprintf("%s and %d more", units[0], len(units)-1)
}

// unitsPossessive is unitsShort as an owner: "etcd/1's", "etcd/1 and 2
// more units'".
func unitsPossessive(units []string) string {
	if len(units) == 1 {
		return units[0] + "'s"
	}
	return fmt.Sprintf("%s and %d more units'", units[0], len(units)-1)
}
