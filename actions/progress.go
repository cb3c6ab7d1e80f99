package actions

import (
	"context"
	"fmt"
	"os"
	"time"
)

// phase tells the operator how far a long action got: action-log, which
// `juju run` streams to its stderr while the action runs ("HH:MM:SS
// message") and `juju show-task` keeps; juju-log at INFO, so `juju
// debug-log` at its default level shows it beside the hooks' steps; and
// the action's stdout. A failing log fails nothing: the action's work
// matters more than its log.
func (d Deps) phase(ctx context.Context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.logf("%s", msg)
	if err := d.Tools.ActionLog(ctx, msg); err != nil {
		d.logf("cannot log to the action: %v", err)
	}
	if err := d.Tools.Log(ctx, "INFO", msg); err != nil {
		d.logf("cannot log to juju: %v", err)
	}
}

// rate is "<size> in <duration> (<size>/s)" for n bytes moved in took.
func rate(n int64, took time.Duration) string {
	took = took.Round(time.Millisecond)
	if took <= 0 {
		return humanSize(n) + " in " + took.String()
	}
	return fmt.Sprintf("%s in %s (%s/s)", humanSize(n), took, humanSize(int64(float64(n)/took.Seconds())))
}

// fileSize is path's size, 0 when it cannot be read.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// phaseLog is phase for an action whose steps should not wait for their
// log: each line is written to the action's stdout at once and handed to
// a goroutine that makes the two hook-tool calls (on Juju each is a
// process start and a round trip to the unit agent), in order. Restore
// logs six lines, two of them while etcd is down. close waits until every
// line handed over is logged (and says on stdout which calls failed); it
// must be called before the action ends.
type phaseLog struct {
	d     Deps
	lines chan string
	done  chan struct{}
	fails []string // the goroutine's, read after done
}

func (d Deps) phaseLog(ctx context.Context) *phaseLog {
	p := &phaseLog{d: d, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for msg := range p.lines {
			if err := d.Tools.ActionLog(ctx, msg); err != nil {
				p.fails = append(p.fails, fmt.Sprintf("cannot log to the action: %v", err))
			}
			if err := d.Tools.Log(ctx, "INFO", msg); err != nil {
				p.fails = append(p.fails, fmt.Sprintf("cannot log to juju: %v", err))
			}
		}
	}()
	return p
}

func (p *phaseLog) phase(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.d.logf("%s", msg)
	p.lines <- msg
}

func (p *phaseLog) close() {
	close(p.lines)
	<-p.done
	for _, f := range p.fails {
		p.d.logf("%s", f)
	}
}
