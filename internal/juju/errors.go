package juju

import (
	"errors"
	"fmt"
	"strings"
)

// ToolError is a hook tool that exited non-zero. Juju's tools exit 2 for
// usage errors (bad flags, a relation id this unit is not in) and 1 for
// run-time errors, writing "ERROR <message>" to stderr.
type ToolError struct {
	Tool   string
	Args   []string
	Code   int
	Stderr string
}

func (e *ToolError) Error() string {
	msg := e.Message()
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.Code)
	}
	return fmt.Sprintf("cannot run %s: %s", e.Tool, msg)
}

// Message is the tool's error text without the "ERROR " prefix.
func (e *ToolError) Message() string {
	s := strings.TrimSpace(e.Stderr)
	return strings.TrimSpace(strings.TrimPrefix(s, "ERROR"))
}

// IsRelationNotFound reports whether err is a tool saying the relation id is
// not one this unit is in, as happens when a relation goes away between
// relation-ids and relation-get.
func IsRelationNotFound(err error) bool {
	var te *ToolError
	return errors.As(err, &te) && strings.Contains(te.Stderr, "relation not found")
}

// Outcome is an expected state a handler reports instead of succeeding: the
// unit is blocked on the operator or waiting on something that a later hook
// will bring. Run sets it as the workload status and exits 0, so the hook's
// other writes are committed and Juju does not retry it.
type Outcome struct {
	Status Status
}

func (o *Outcome) Error() string { return string(o.Status.Name) + ": " + o.Status.Message }

// Blocked is an outcome that needs the operator (bad config, missing relation).
func Blocked(format string, args ...any) error {
	return &Outcome{Status{StatusBlocked, fmt.Sprintf(format, args...)}}
}

// Waiting is an outcome that resolves by itself once another unit or
// application acts.
func Waiting(format string, args ...any) error {
	return &Outcome{Status{StatusWaiting, fmt.Sprintf(format, args...)}}
}

// ActionFailure is an action failing in a way the operator can act on: Run
// reports it with action-fail and exits 0 (an exit 1 would replace the
// message with "exit status 1").
type ActionFailure struct {
	Message string
}

func (f *ActionFailure) Error() string { return f.Message }

// Failf makes an ActionFailure.
func Failf(format string, args ...any) error {
	return &ActionFailure{fmt.Sprintf(format, args...)}
}
