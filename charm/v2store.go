package charm

import (
	"fmt"
	"strings"
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
			Steps: fmt.Sprintf("etcd %s will not start on this member's data: its v2 store or WAL holds v2 keys (etcdutl check v2store: %s). "+
				"Change channel back to %s/stable; copy the v2 keys still needed to the v3 API and delete them (ETCDCTL_API=2 etcdctl rm --recursive); "+
				"set snapshot_count=1 until every unit has restarted, then back; then change channel to %s/stable again "+
				"(etcd.io, Upgrade etcd from v3.5 to v3.6, V2 Store).",
				to, oneLine(c.Detail), from, to),
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
