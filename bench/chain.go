package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// A chain is one scale-out run's etcd-charm executions, hook by hook, from
// add-unit until the new unit is a voting member, timed from the new
// unit's certificate: it shows which hooks lie on the critical path and
// which one waited for what.
type Chain struct {
	Title string
	Steps []ChainStep
}

// ChainStep is one run of the etcd charm.
type ChainStep struct {
	Unit, Dispatch string
	Start, End     time.Duration // from the certificate (negative: before it)
	Code           int
	Log            []string // the charm's output, "+0.123 text" from the run's start
}

// chainOf builds the chain of the charm's runs that ended after from and
// started before to, timed from at.
func chainOf(recs []HookRecord, title string, from, at, to time.Time) Chain {
	c := Chain{Title: title}
	for _, r := range recs {
		if r.Exec || r.Start >= to.UnixNano() || r.Start+r.WallNS < from.UnixNano() {
			continue
		}
		c.Steps = append(c.Steps, ChainStep{
			Unit: r.Unit, Dispatch: r.Dispatch, Code: r.Code, Log: r.Log,
			Start: time.Duration(r.Start - at.UnixNano()),
			End:   time.Duration(r.Start + r.WallNS - at.UnixNano()),
		})
	}
	sort.Slice(c.Steps, func(i, j int) bool { return c.Steps[i].Start < c.Steps[j].Start })
	return c
}

// writeChains writes the scale-out chains under their own heading.
func writeChains(w io.Writer, chains []Chain) {
	if len(chains) == 0 {
		return
	}
	fmt.Fprint(w, `
## Scale-out, hook by hook

Every run of the etcd charm from add-unit until the new unit is a voting
member, timed from its certificate (the wrapper's records; a unit runs one
hook at a time, units run theirs at once), with the charm's own log lines
timed from the hook's start. The critical path: the new unit's first hook
that sees its certificate announces it ready; the leader's
cluster-relation-changed admits it as a learner (leader-set wakes the new
unit) and watches the member list in that same hook; the new unit's
leader-settings-changed starts etcd; the leader promotes the learner once
etcd has published it (retrying while etcd answers that the learner is not
in sync).
`)
	for _, c := range chains {
		c.Markdown(w)
	}
}

// Markdown writes the chain as a table.
func (c Chain) Markdown(w io.Writer) {
	fmt.Fprintf(w, "\n### %s\n\n", c.Title)
	fmt.Fprintln(w, "| from certificate | unit | hook | took | exit | what the charm logged (s into the hook) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, s := range c.Steps {
		fmt.Fprintf(w, "| %+.2f → %+.2f s | %s | %s | %s | %d | %s |\n", s.Start.Seconds(), s.End.Seconds(), s.Unit,
			strings.TrimPrefix(s.Dispatch, "hooks/"), secs(s.End-s.Start), s.Code, strings.ReplaceAll(strings.Join(s.Log, "; "), "|", "\\|"))
	}
}

// Text writes the chain for a terminal.
func (c Chain) Text(w io.Writer) {
	fmt.Fprintf(w, "%s\n", c.Title)
	for _, s := range c.Steps {
		fmt.Fprintf(w, "  %+6.2f → %+6.2f s  %-7s %-40s %s exit %d\n", s.Start.Seconds(), s.End.Seconds(), s.Unit,
			strings.TrimPrefix(s.Dispatch, "hooks/"), secs(s.End-s.Start), s.Code)
		for _, l := range s.Log {
			fmt.Fprintf(w, "        %s\n", l)
		}
	}
}

// keepTrace copies the model's debug log and the wrapper's hook records
// into $ETCDBENCH_TRACE_DIR/name when it is set, for reading the charm's
// own log lines next to a chain.
func (s *Sim) keepTrace(name string) {
	dir := os.Getenv("ETCDBENCH_TRACE_DIR")
	if dir == "" {
		return
	}
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return
	}
	if b, err := os.ReadFile(filepath.Join(s.Home, "logs", "debug.log")); err == nil {
		_ = os.WriteFile(filepath.Join(dst, "debug.log"), b, 0o644)
	}
	paths, _ := filepath.Glob(filepath.Join(s.Home, "machines", "*", "root", HookLogPath))
	for i, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			_ = os.WriteFile(filepath.Join(dst, fmt.Sprintf("hooks-%d.jsonl", i)), b, 0o644)
		}
	}
}
