package jujutest

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

func (t *Tools) ConfigGet(context.Context) (map[string]any, error) {
	defer t.mu.Unlock()
	if err := t.begin("config-get"); err != nil {
		return nil, err
	}
	return maps.Clone(t.Config), nil
}

func (t *Tools) StatusSet(_ context.Context, s juju.Status, application bool) error {
	defer t.mu.Unlock()
	if err := t.begin("status-set", string(s.Name), s.Message); err != nil {
		return err
	}
	if application {
		if !t.Leader {
			return &juju.ToolError{Tool: "status-set", Code: 1, Stderr: "ERROR this unit is not the leader\n"}
		}
		t.AppStatus = s
		return nil
	}
	t.Status = s
	t.StatusHistory = append(t.StatusHistory, s)
	return nil
}

func (t *Tools) ApplicationVersionSet(_ context.Context, v string) error {
	defer t.mu.Unlock()
	if err := t.begin("application-version-set", v); err != nil {
		return err
	}
	t.Version = v
	return nil
}

func (t *Tools) IsLeader(context.Context) (bool, error) {
	defer t.mu.Unlock()
	if err := t.begin("is-leader"); err != nil {
		return false, err
	}
	return t.Leader, nil
}

func (t *Tools) LeaderGet(context.Context) (map[string]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("leader-get"); err != nil {
		return nil, err
	}
	return maps.Clone(t.LeaderData), nil
}

func (t *Tools) LeaderSet(_ context.Context, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("leader-set"); err != nil {
		return err
	}
	if !t.Leader {
		return &juju.ToolError{Tool: "leader-set", Code: 1, Stderr: "ERROR cannot write leadership settings: cannot write settings: not the leader\n"}
	}
	setOrDelete(t.LeaderData, settings)
	return nil
}

func (t *Tools) OpenPort(_ context.Context, port string) error {
	defer t.mu.Unlock()
	if err := t.begin("open-port", port); err != nil {
		return err
	}
	if !slices.Contains(t.Ports, port) {
		t.Ports = append(t.Ports, port)
		slices.Sort(t.Ports)
	}
	return nil
}

func (t *Tools) ClosePort(_ context.Context, port string) error {
	defer t.mu.Unlock()
	if err := t.begin("close-port", port); err != nil {
		return err
	}
	t.Ports = slices.DeleteFunc(t.Ports, func(p string) bool { return p == port })
	return nil
}

func (t *Tools) OpenedPorts(context.Context) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("opened-ports"); err != nil {
		return nil, err
	}
	return slices.Clone(t.Ports), nil
}

func (t *Tools) NetworkGet(_ context.Context, binding, _ string) (juju.Network, error) {
	defer t.mu.Unlock()
	if err := t.begin("network-get", binding); err != nil {
		return juju.Network{}, err
	}
	n, ok := t.Network[binding]
	if !ok {
		return juju.Network{}, &juju.ToolError{Tool: "network-get", Code: 1, Stderr: "ERROR no network config found for binding \"" + binding + "\"\n"}
	}
	return n, nil
}

func (t *Tools) ResourceGet(_ context.Context, name string) (string, error) {
	defer t.mu.Unlock()
	if err := t.begin("resource-get", name); err != nil {
		return "", err
	}
	p, ok := t.Resources[name]
	if !ok {
		app, _, _ := strings.Cut(t.Unit, "/")
		return "", &juju.ToolError{Tool: "resource-get", Code: 1, Stderr: "ERROR could not download resource: resource#" + app + "/" + name + " not found\n"}
	}
	return p, nil
}

func (t *Tools) StorageGet(_ context.Context, id string) (juju.Storage, error) {
	defer t.mu.Unlock()
	if err := t.begin("storage-get", "-s", id); err != nil {
		return juju.Storage{}, err
	}
	s, ok := t.Storage[id]
	if !ok {
		return juju.Storage{}, &juju.ToolError{Tool: "storage-get", Code: 2, Stderr: "ERROR invalid value \"" + id + "\" for flag -s: storage instance \"" + id + "\" not found\n"}
	}
	return s, nil
}

func (t *Tools) StorageList(_ context.Context, name string) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("storage-list", name); err != nil {
		return nil, err
	}
	var ids []string
	for id := range t.Storage {
		if n, _, _ := strings.Cut(id, "/"); name == "" || n == name {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (t *Tools) StateGet(context.Context) (map[string]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("state-get"); err != nil {
		return nil, err
	}
	return maps.Clone(t.State), nil
}

func (t *Tools) StateSet(_ context.Context, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("state-set"); err != nil {
		return err
	}
	maps.Copy(t.State, settings)
	return nil
}

func (t *Tools) StateDelete(_ context.Context, key string) error {
	defer t.mu.Unlock()
	if err := t.begin("state-delete", key); err != nil {
		return err
	}
	delete(t.State, key)
	return nil
}

func (t *Tools) notAction(tool string) error {
	if t.ActionParams == nil {
		return &juju.ToolError{Tool: tool, Code: 1, Stderr: "ERROR not running an action\n"}
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
