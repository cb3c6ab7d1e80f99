package jujutest

import (
	"context"
	"maps"
)

// Action tools and juju-log. They act at once; in a hook (ActionParams
// nil) the action tools fail as Juju's do.

func (t *Tools) notAction(tool string) error {
	if t.ActionParams == nil {
		return toolError(tool, 1, "not running an action")
	}
	return nil
}

func (t *Tools) ActionGet(context.Context) (map[string]any, error) {
	defer t.mu.Unlock()
	if err := t.begin("action-get"); err != nil {
		return nil, err
	}
	if err := t.notAction("action-get"); err != nil {
		return nil, err
	}
	return maps.Clone(t.ActionParams), nil
}

func (t *Tools) ActionSet(_ context.Context, results map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("action-set"); err != nil {
		return err
	}
	if err := t.notAction("action-set"); err != nil {
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
	if err := t.begin("action-fail", message); err != nil {
		return err
	}
	if err := t.notAction("action-fail"); err != nil {
		return err
	}
	t.ActionFailed = message
	return nil
}

func (t *Tools) ActionLog(_ context.Context, message string) error {
	defer t.mu.Unlock()
	if err := t.begin("action-log", message); err != nil {
		return err
	}
	if err := t.notAction("action-log"); err != nil {
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
