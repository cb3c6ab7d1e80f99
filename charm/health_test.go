package charm

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func members(spec string) []MemberHealth {
	// spec: one letter per member etcd0..: h healthy, d down, u unstarted, l learner
	var out []MemberHealth
	for i, c := range spec {
		m := MemberHealth{Name: fmt.Sprintf("etcd%d", i), Started: c != 'u', Healthy: c == 'h' || c == 'l', Learner: c == 'l'}
		out = append(out, m)
	}
	return out
}

func TestClusterHealth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    string
		alarms  []string
		level   string
		message string
	}{
		{"all healthy", "hhh", nil, "active", "Healthy with 3 known peers"},
		{"learner not probed", "hhl", nil, "active", "Healthy with 3 known peers"},
		{"one down: quorum holds", "hdh", nil, "blocked", "Degraded: quorum holds, 1 down (etcd1); 3 known peers"},
		{"two of three down", "hdd", nil, "blocked", "Quorum lost: 2 of 3 members down (etcd1, etcd2); start them again to restore quorum"},
		{"one unstarted one down", "hdu", nil, "blocked", "Quorum lost: 2 of 3 members down (etcd1, etcd2); start them again to restore quorum"},
		{"one of two down is lost", "hd", nil, "blocked", "Quorum lost: 1 of 2 members down (etcd1); start them again to restore quorum"},
		{"unstarted joiner", "hhu", nil, "waiting", "Waiting for 1 member(s) to start (etcd2); 3 known peers"},
		{"NOSPACE once, not per member", "hhh", []string{"NOSPACE", "NOSPACE", "NOSPACE"}, "blocked",
			"NOSPACE alarm raised; free space (compact, defrag), then run the alarm-disarm action"},
		{"two alarms", "hhh", []string{"NOSPACE", "CORRUPT", "NOSPACE"}, "blocked",
			"CORRUPT, NOSPACE alarms raised; replace the corrupt member, then run the alarm-disarm action"},
		{"an alarm fails every health probe, not the quorum", "ddd", []string{"NOSPACE"}, "blocked",
			"NOSPACE alarm raised; free space (compact, defrag), then run the alarm-disarm action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClusterHealth(HealthReport{Members: members(tc.spec), Alarms: tc.alarms, AlarmsListed: tc.alarms != nil})
			if got.Level != tc.level || got.Message != tc.message {
				t.Errorf("got %s %q, want %s %q", got.Level, got.Message, tc.level, tc.message)
			}
		})
	}
}

// Long member lists fold into "and N more"; nothing is cut inside a word.
func TestClusterHealthFits(t *testing.T) {
	spec := "h" + strings.Repeat("d", 40)
	got := ClusterHealth(HealthReport{Members: members(spec)})
	if len(got.Message) > MaxStatusLen {
		t.Fatalf("%d chars: %q", len(got.Message), got.Message)
	}
	if !strings.HasPrefix(got.Message, "Quorum lost: 40 of 41 members down (etcd1, ") || !strings.Contains(got.Message, " more); start them again") {
		t.Errorf("%q", got.Message)
	}
	for _, tc := range []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("word ", 30), strings.TrimSpace(strings.Repeat("word ", 23)) + "…"},
	} {
		if got := cutWords(tc.in, MaxStatusLen); got != tc.want || len(got) > MaxStatusLen {
			t.Errorf("cutWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSilentHealth(t *testing.T) {
	for _, tc := range []struct{ spec, level, message string }{
		{"hdd", "blocked", "Quorum lost: 2 of 3 members down (etcd1, etcd2); start them again to restore quorum"},
		{"hhd", "waiting", "Waiting for etcd to answer; members down (etcd2)"},
		{"hhh", "waiting", "Waiting for etcd to answer: context deadline exceeded"},
	} {
		got := SilentHealth(members(tc.spec), "context deadline exceeded")
		if got.Level != tc.level || got.Message != tc.message {
			t.Errorf("%s: got %s %q, want %s %q", tc.spec, got.Level, got.Message, tc.level, tc.message)
		}
	}
}

func TestQuorumLoss(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	lost := ClusterHealth(HealthReport{Members: members("hdd")})
	for _, tc := range []struct {
		name      string
		h         Health
		since     time.Time
		now       time.Time
		leader    bool
		level     string
		message   string
		wantSince time.Time
	}{
		{"quorum holds: nothing recorded", ClusterHealth(HealthReport{Members: members("hdh")}), t0, t0.Add(time.Minute), true,
			"blocked", "Degraded: quorum holds, 1 down (etcd1); 3 known peers", time.Time{}},
		{"first seen: a wait, the time recorded", lost, time.Time{}, t0, true,
			"waiting", "No quorum: 2 of 3 members unreachable (etcd1, etcd2); waiting for them to come back", t0},
		{"a transient loss within the bound stays a wait", lost, t0, t0.Add(QuorumLostAfter - time.Second), true,
			"waiting", "No quorum: 2 of 3 members unreachable (etcd1, etcd2); waiting for them to come back", t0},
		{"past the bound on the leader: run the action here", lost, t0, t0.Add(QuorumLostAfter), true,
			"blocked", "Quorum lost: 2 of 3 members down (etcd1, etcd2). If gone for good, run the rebuild-cluster action on this unit.", t0},
		{"past the bound on a follower: run it on the leader", lost, t0, t0.Add(time.Hour), false,
			"blocked", "Quorum lost: 2 of 3 members down (etcd1, etcd2). If gone for good, run the rebuild-cluster action on the leader unit.", t0},
		{"a clock gone backwards starts again", lost, t0.Add(time.Hour), t0, true,
			"waiting", "No quorum: 2 of 3 members unreachable (etcd1, etcd2); waiting for them to come back", t0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, since := QuorumLoss(tc.h, tc.since, tc.now, tc.leader)
			if got.Level != tc.level || got.Message != tc.message || !since.Equal(tc.wantSince) {
				t.Errorf("got %s %q since %v, want %s %q since %v", got.Level, got.Message, since, tc.level, tc.message, tc.wantSince)
			}
		})
	}
}
