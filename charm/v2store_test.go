package charm

import (
	"strings"
	"testing"
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
