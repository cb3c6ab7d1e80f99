package bench

import (
	"bytes"
	"strings"
	"testing"
)

// Every row has the six columns, the operation's cost "-" when unknown.
func TestMarkdownColumns(t *testing.T) {
	r := &Results{}
	r.add(Row{Figure: "hook update-status (n=5)", Value: "p50 9.0 ms", Baseline: "static binary + 1 TLS round trip: p50 6.0 ms",
		Ratio: "1.50x", Ops: "1 run, 3 tool calls", Goal: updateStatusGoal})
	r.add(Row{Figure: "rolling upgrade", Value: "7.93 s", Baseline: "-", Ratio: "-", Goal: "0 lost"})
	var b bytes.Buffer
	r.Markdown(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"| Figure | Charm on jujusim | Baseline (same run) | Ratio | Hook runs / tool calls | Goal |",
		"|---|---|---|---|---|---|",
		"| hook update-status (n=5) | p50 9.0 ms | static binary + 1 TLS round trip: p50 6.0 ms | 1.50x | 1 run, 3 tool calls | p50 < 20 ms net, ≤ 6 tool calls |",
		"| rolling upgrade | 7.93 s | - | - | - | 0 lost |",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("markdown:\n%s\nwant:\n%s", b.String(), strings.Join(want, "\n"))
	}
}

func TestHookRuns(t *testing.T) {
	for _, tc := range []struct {
		runs []int
		want string
	}{
		{nil, "-"},
		{[]int{7}, "7 hook runs"},
		{[]int{18, 13, 15}, "15 hook runs (median, 13–18)"},
	} {
		if got := hookRuns(tc.runs); got != tc.want {
			t.Errorf("hookRuns(%v) = %q, want %q", tc.runs, got, tc.want)
		}
	}
}
