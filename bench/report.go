package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Row is one line of the results table: a figure, its baseline measured
// in the same run (bare etcd, or a static binary's start and one TLS
// round trip for hooks), their ratio, what the operation cost in Juju's
// currency (hook executions, hook-tool calls) and the goal issue #17 sets
// ("-" where it sets none).
type Row struct {
	Figure   string
	Value    string
	Baseline string
	Ratio    string
	Ops      string
	Goal     string
}

func (r Row) cells() []string {
	ops := r.Ops
	if ops == "" {
		ops = "-"
	}
	return []string{r.Figure, r.Value, r.Baseline, r.Ratio, ops, r.Goal}
}

var header = Row{"Figure", "Charm on jujusim", "Baseline (same run)", "Ratio", "Hook runs / tool calls", "Goal"}

// Results collects the rows and the notes of one run.
type Results struct {
	Rows  []Row
	Notes []string
	// Chains are the scale-out runs hook by hook (chain.go).
	Chains []Chain
}

func (r *Results) add(row Row) { r.Rows = append(r.Rows, row) }

func (r *Results) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// fail records a figure that could not be measured, with why.
func (r *Results) fail(figure string, err error) {
	r.add(Row{Figure: figure, Value: "FAILED", Baseline: "-", Ratio: "-", Ops: "-", Goal: "-"})
	r.note("%s: %v", figure, firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func msec(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// Markdown writes the table and the notes.
func (r *Results) Markdown(w io.Writer) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header.cells(), " | "))
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row.cells(), " | "))
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	writeChains(w, r.Chains)
}

// Text writes the table aligned for a terminal.
func (r *Results) Text(w io.Writer) {
	rows := append([]Row{header}, r.Rows...)
	width := make([]int, len(header.cells()))
	for _, row := range rows {
		for i, c := range row.cells() {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		for i, c := range row.cells() {
			fmt.Fprintf(w, "%s%s  ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, c := range r.Chains {
		c.Text(w)
	}
}
