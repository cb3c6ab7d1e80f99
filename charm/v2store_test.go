package charm

import (
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/relations"
)

func TestParseV2StoreCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		output string
		ok     bool
		want   V2StoreVerdict
	}{
		{"clean", "No custom content found in both v2store and WAL records.\n", true, V2Clean},
		{"keys in the WAL", "Error: detected custom v2 content in WAL records\n", false, V2Custom},
		{"keys in the snapshot", "Error: detected custom v2 content in v2store\n", false, V2Custom},
		{"keys in both", "Error: detected custom v2 content in both v2store and WAL records", false, V2Custom},
		{"an etcdutl without the command", "Error: unknown command \"check\" for \"etcdutl\"", false, V2Unchecked},
		{"another failure", "Error: open /data/member/wal: permission denied", false, V2Unchecked},
		{"clean text but a failed exit", "No custom content found in both v2store and WAL records.", false, V2Unchecked},
		{"no etcdutl at all", "", false, V2Unchecked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseV2StoreCheck(tc.output, tc.ok); got != tc.want {
				t.Errorf("ParseV2StoreCheck(%q, %v) = %v, want %v", tc.output, tc.ok, got, tc.want)
			}
		})
	}
}

func TestCheckV2Store(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    V2StoreCheck
		// want are the words the refusal names; nil: allowed.
		want []string
	}{
		{"3.5 to 3.6 with clean data", V2StoreCheck{Installed: "3.5.35", Target: "3.6.4", Verdict: V2Clean}, nil},
		{"3.5 to 3.6 with v2 keys", V2StoreCheck{Installed: "3.5.35", Target: "3.6.4", Verdict: V2Custom, Detail: "Error: detected custom v2 content in WAL records"},
			[]string{"etcd 3.6 will not start", "in WAL records", "Change channel back to 3.5/stable", "ETCDCTL_API=2 etcdctl rm", "snapshot_count=1", "3.6/stable again", "V2 Store"}},
		{"3.5 to 3.6 unchecked", V2StoreCheck{Installed: "3.5.1", Target: "3.6.4", Verdict: V2Unchecked, Detail: "Error: unknown command \"check\" for \"etcdutl\""},
			[]string{"Cannot check", "3.5/stable", "unknown command"}},
		// Moves that keep the v2 store never need the check, whatever
		// the verdict (none is made).
		{"3.4 to 3.5 keeps v2", V2StoreCheck{Installed: "3.4.23", Target: "3.5.35", Verdict: V2Custom}, nil},
		{"3.5 patch keeps v2", V2StoreCheck{Installed: "3.5.20", Target: "3.5.35", Verdict: V2Unchecked}, nil},
		{"3.6 to 3.7 has no v2 left", V2StoreCheck{Installed: "3.6.4", Target: "3.7.0", Verdict: V2Unchecked}, nil},
		{"nothing installed", V2StoreCheck{Installed: "", Target: "3.6.4", Verdict: V2Unchecked}, nil},
		{"unknown target", V2StoreCheck{Installed: "3.5.35", Target: "", Verdict: V2Unchecked}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckV2Store(tc.c)
			if tc.want == nil {
				if r != (V2StoreRefusal{}) {
					t.Fatalf("CheckV2Store(%+v) = %+v, want allowed", tc.c, r)
				}
				return
			}
			if r.Status == "" || len(r.Status) > MaxStatusLen {
				t.Errorf("status %q: want a refusal within %d characters", r.Status, MaxStatusLen)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Steps, w) {
					t.Errorf("steps %q do not name %q", r.Steps, w)
				}
			}
		})
	}
}

func TestDecideV2Store(t *testing.T) {
	const installed, target = "3.5.35", "3.6.4"
	clean := V2StoreCheck{Installed: installed, Target: target, Verdict: V2Clean}
	peer := func(unit, state, version string, v relations.V2Check) relations.Peer {
		return relations.Peer{Unit: unit, State: state, Version: version, V2Store: v}
	}
	verdict := func(result string) relations.V2Check {
		return relations.V2Check{Result: result, Installed: installed, Target: target}
	}
	self := peer("etcd/0", relations.PeerStarted, installed, verdict(relations.V2Clean))
	for _, tc := range []struct {
		name  string
		own   V2StoreCheck
		peers []relations.Peer
		// want: "" moves, "wait", "custom" (the peers' refusal),
		// "own" (this unit's refusal), "unchecked"; words the status or
		// steps name.
		want  string
		words []string
	}{
		{"every member clean", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, verdict(relations.V2Clean)),
			peer("etcd/2", relations.PeerStarted, installed, verdict(relations.V2Clean))}, "", nil},
		{"alone and clean", clean, []relations.Peer{self}, "", nil},
		{"a verdict not yet published", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, verdict(relations.V2Clean)),
			peer("etcd/2", relations.PeerStarted, installed, relations.V2Check{})}, "wait", []string{"etcd/2", "3.6"}},
		{"a verdict for another target", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, relations.V2Check{Result: relations.V2Clean, Installed: installed, Target: "3.6.3"})}, "wait", []string{"etcd/1"}},
		{"a verdict on an etcd the unit no longer runs", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, relations.V2Check{Result: relations.V2Clean, Installed: "3.5.20", Target: target})}, "wait", []string{"etcd/1"}},
		{"a member that publishes no version", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, "", relations.V2Check{})}, "wait", []string{"etcd/1"}},
		{"a starting member counts", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarting, installed, relations.V2Check{})}, "wait", []string{"etcd/1"}},
		{"several missing", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, relations.V2Check{}),
			peer("etcd/2", relations.PeerStarted, installed, relations.V2Check{})}, "wait", []string{"etcd/1 and 1 more"}},
		{"one member dirty", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, verdict(relations.V2Custom)),
			peer("etcd/2", relations.PeerStarted, installed, verdict(relations.V2Clean))}, "custom",
			[]string{"v2 keys in etcd/1's data", "debug-log", "etcd/1", "no unit moves", "Change channel back to 3.5/stable", "snapshot_count=1", "3.6/stable again"}},
		{"dirty beats missing and unchecked", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, relations.V2Check{}),
			peer("etcd/2", relations.PeerStarted, installed, verdict(relations.V2Unchecked)),
			peer("etcd/3", relations.PeerStarted, installed, verdict(relations.V2Custom)),
			peer("etcd/4", relations.PeerStarted, installed, verdict(relations.V2Custom))}, "custom", []string{"etcd/3 and 1 more units' data", "etcd/3, etcd/4"}},
		{"one member unchecked", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, installed, relations.V2Check{}),
			peer("etcd/2", relations.PeerStarted, installed, verdict(relations.V2Unchecked))}, "unchecked", []string{"etcd/2", "3.5/stable"}},
		{"own data dirty, whatever the others say", V2StoreCheck{Installed: installed, Target: target, Verdict: V2Custom, Detail: "Error: detected custom v2 content in WAL records"},
			[]relations.Peer{self, peer("etcd/1", relations.PeerStarted, installed, verdict(relations.V2Clean))}, "own", []string{"this member's data", "in WAL records"}},
		// Not asked: a member on 3.6 (it started on its data), units
		// not yet members, this unit's own stale bag.
		{"a member already on 3.6", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, "3.6.4", relations.V2Check{})}, "", nil},
		{"units not yet members", clean, []relations.Peer{self,
			peer("etcd/1", relations.PeerReady, installed, relations.V2Check{}),
			peer("etcd/2", "", "", relations.V2Check{}),
			peer("etcd/3", relations.PeerLost, installed, verdict(relations.V2Custom))}, "", nil},
		{"own bag stale", clean, []relations.Peer{peer("etcd/0", relations.PeerStarted, installed, verdict(relations.V2Custom))}, "", nil},
		{"a move that keeps v2", V2StoreCheck{Installed: "3.4.23", Target: "3.5.35", Verdict: V2Unchecked}, []relations.Peer{self,
			peer("etcd/1", relations.PeerStarted, "3.4.23", relations.V2Check{})}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DecideV2Store(V2StoreCluster{Unit: "etcd/0", Own: tc.own, Peers: tc.peers})
			got := ""
			text := d.Waiting + " " + d.Refusal.Status + " " + d.Refusal.Steps
			switch {
			case d.Waiting != "" && d.Refusal != (V2StoreRefusal{}):
				t.Fatalf("%+v both waits and refuses", d)
			case d.Waiting != "":
				got = "wait"
			case strings.Contains(d.Refusal.Steps, "this member's data"):
				got = "own"
			case strings.HasPrefix(d.Refusal.Status, "Cannot check"):
				got = "unchecked"
			case d.Refusal.Status != "":
				got = "custom"
			}
			if got != tc.want {
				t.Fatalf("DecideV2Store = %+v, want %q", d, tc.want)
			}
			for _, w := range tc.words {
				if !strings.Contains(text, w) {
					t.Errorf("%q does not name %q", text, w)
				}
			}
			for _, st := range []string{d.Waiting, d.Refusal.Status} {
				if len(st) > MaxStatusLen {
					t.Errorf("status %q is over %d characters", st, MaxStatusLen)
				}
			}
		})
	}
}

func TestPublishedV2Check(t *testing.T) {
	for _, tc := range []struct {
		c    V2StoreCheck
		want relations.V2Check
	}{
		{V2StoreCheck{Installed: "3.5.35", Target: "3.6.4", Verdict: V2Clean}, relations.V2Check{Result: relations.V2Clean, Installed: "3.5.35", Target: "3.6.4"}},
		{V2StoreCheck{Installed: "3.5.35", Target: "3.6.4", Verdict: V2Custom}, relations.V2Check{Result: relations.V2Custom, Installed: "3.5.35", Target: "3.6.4"}},
		{V2StoreCheck{Installed: "3.5.1", Target: "3.6.4", Verdict: V2Unchecked}, relations.V2Check{Result: relations.V2Unchecked, Installed: "3.5.1", Target: "3.6.4"}},
		{V2StoreCheck{Installed: "3.4.23", Target: "3.5.35", Verdict: V2Custom}, relations.V2Check{}},
		{V2StoreCheck{Installed: "3.6.4", Target: "3.6.5", Verdict: V2Clean}, relations.V2Check{}},
	} {
		if got := PublishedV2Check(tc.c); got != tc.want {
			t.Errorf("PublishedV2Check(%+v) = %+v, want %+v", tc.c, got, tc.want)
		}
	}
}
