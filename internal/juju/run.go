package juju

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Handler handles one event. Returning nil commits the hook; an *Outcome
// sets the workload status and still commits; an *ActionFailure fails the
// action with its message; any other error exits 1 so Juju discards the
// hook's writes and retries it.
type Handler func(ctx context.Context, ev Event) error

// Exit codes Run returns.
const (
	ExitOK    = 0
	ExitError = 1
)

// Run runs h for ev and maps its outcome to the exit code Juju acts on.
// Log lines go to log (Juju records a hook's stdout in the unit's log at
// DEBUG and stderr at WARNING, so main passes stderr for errors to show).
func Run(ctx context.Context, ev Event, tools Tools, h Handler, log io.Writer) int {
	err := h(ctx, ev)
	if err == nil {
		return ExitOK
	}
	var outcome *Outcome
	var failure *ActionFailure
	switch {
	case ev.Kind == ActionKind && errors.As(err, &failure):
		return report(log, tools.ActionFail(ctx, failure.Message), ev)
	case ev.Kind == ActionKind && errors.As(err, &outcome):
		return report(log, tools.ActionFail(ctx, outcome.Status.Message), ev)
	case errors.As(err, &outcome):
		return report(log, tools.StatusSet(ctx, outcome.Status, false), ev)
	}
	fmt.Fprintf(log, "ERROR %s failed: %v\n", ev, err)
	if ev.Kind == ActionKind {
		// Juju overrides an action's message with "exit status 1"; say
		// why first, where juju show-task and debug-log show it.
		_ = tools.ActionLog(ctx, err.Error())
	}
	return ExitError
}

// report turns a failure to record an outcome into a failed run, so Juju
// retries rather than leaving a stale status.
func report(log io.Writer, err error, ev Event) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(log, "ERROR %s: cannot report outcome: %v\n", ev, err)
	return ExitError
}
