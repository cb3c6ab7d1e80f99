package jujutest

import (
	"context"
	"maps"
)

// Action tools and juju-log. They act at once; in a hook (ActionParams
// nil) the action tools fail as Juju's do.

// beginAction is begin for the action tools, which also fail outside an
// action.
func (t *Tools) beginAction(tool string, args ...string) error {
	if err := t.begin(tool, args...); err != nil {
		return err
	}
	if t.ActionParams == nil {
		return toolError(tool, 1, "not running an action")
	}
	return nil
}

func (t *Tools) ActionGet(context.Context) (map[string]any, error) {
	defer t.mu.Unlock()
	if err := t.beginAction("action-get"); err != nil {
		return nil, err
	}
	return maps.Clone(t.ActionParams), nil
}

func (t *Tools) ActionSet(_ context.Context, results map[string]string) error {
	defer t.mu.Unlock()
	if err := t.beginAction("action-set"); err != nil {
		return err
	}
	if t.ActionResults == nil {
		t.ActionResults = map[string]string{}
	}
	maps.Copy(t.ActionResults, results)
	return nil
}

func (t *Tools) ActionFail(_ context.Context, message string) error {
	defer t.mu.Unlock()
	if err := t.beginAction("action-fail", message); err != nil {
		return err
	}
	t.ActionFailed = message
	return nil
}

func (t *Tools) ActionLog(_ context.Context, message string) error {
	defer t.mu.Unlock()
	if err := t.beginAction("action-log", message); err != nil {
		return err
	}
	t.ActionLogs = append(t.ActionLogs, message)
	return nil
}

func (t *Tools) Log(_ context.Context, level, message string) error {
	defer t.mu.Unlock()
	if err := t.begin("juju-log", level, message); err != nil {
		return err
	}
	t.Logs = append(t.Logs, level+": "+message)
	return nil
}
