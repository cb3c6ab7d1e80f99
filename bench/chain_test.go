package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestChainOf(t *testing.T) {
	at := time.Unix(1000, 0)
	ns := func(d time.Duration) int64 { return at.Add(d).UnixNano() }
	recs := []HookRecord{
		{Unit: "etcd/0", Dispatch: "hooks/cluster-relation-changed", Start: ns(300 * time.Millisecond), WallNS: int64(time.Second), Log: []string{"+0.200 membership: admit etcd/3"}},
		{Unit: "etcd/3", Dispatch: "hooks/install", Start: ns(-5 * time.Second), WallNS: int64(time.Second)},                              // ended before add-unit
		{Unit: "etcd/3", Dispatch: "hooks/certificates-relation-changed", Start: ns(-100 * time.Millisecond), WallNS: int64(time.Second)}, // in flight at the certificate
		{Unit: "etcd/1", Dispatch: "hooks/update-status", Start: ns(200 * time.Millisecond), WallNS: 1, Exec: true},                       // the benchmark's own
		{Unit: "etcd/2", Dispatch: "hooks/leader-settings-changed", Start: ns(3 * time.Second), WallNS: 1},                                // after the voter
	}
	c := chainOf(recs, "t", at.Add(-2*time.Second), at, at.Add(2*time.Second))
	var got []string
	for _, s := range c.Steps {
		got = append(got, s.Unit+" "+s.Dispatch)
	}
	want := []string{"etcd/3 hooks/certificates-relation-changed", "etcd/0 hooks/cluster-relation-changed"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("chain = %v, want %v", got, want)
	}
	if c.Steps[0].Start != -100*time.Millisecond || c.Steps[1].End != 1300*time.Millisecond {
		t.Errorf("times = %v, %v", c.Steps[0].Start, c.Steps[1].End)
	}
	var b bytes.Buffer
	c.Markdown(&b)
	if !strings.Contains(b.String(), "| +0.30 → +1.30 s | etcd/0 | cluster-relation-changed | 1.00 s | 0 | +0.200 membership: admit etcd/3 |") {
		t.Errorf("markdown:\n%s", b.String())
	}
}
