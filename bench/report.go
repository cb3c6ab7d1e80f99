package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Row is one line of the results table: a figure, its bare-etcd (or
// jujusim-overhead) baseline, their ratio and the goal the issue sets.
type Row struct {
	Figure   string
	Value    string
	Baseline string
	Ratio    string
	Goal     string
}

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
	r.add(Row{Figure: figure, Value: "FAILED", Baseline: "-", Ratio: "-", Goal: "-"})
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
	fmt.Fprintln(w, "| Figure | Charm on jujusim | Baseline | Ratio | Goal |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", row.Figure, row.Value, row.Baseline, row.Ratio, row.Goal)
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
	rows := append([]Row{{"Figure", "Charm on jujusim", "Baseline", "Ratio", "Goal"}}, r.Rows...)
	width := make([]int, 5)
	for _, row := range rows {
		for i, c := range []string{row.Figure, row.Value, row.Baseline, row.Ratio, row.Goal} {
			if len(c) > width[i] {
				width[i] = len(c)
			}
		}
	}
	for _, row := range rows {
		for i, c := range []string{row.Figure, row.Value, row.Baseline, row.Ratio, row.Goal} {
			fmt.Fprintf(w, "%-*s  ", width[i], c)
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
