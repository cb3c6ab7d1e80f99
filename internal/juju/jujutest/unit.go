package jujutest

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/overlay"
)

// The unit's own environment: config, status, leadership, workload
// version, network, resources and storage. Status, leader settings and the
// version act at once and survive a failed hook, as in Juju.

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
			return toolError("status-set", 1, "this unit is not the leader")
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

// LeaderSet writes at once: leader settings are not part of the hook's
// buffered writes (Juju calls the API directly).
func (t *Tools) LeaderSet(_ context.Context, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("leader-set"); err != nil {
		return err
	}
	if !t.Leader {
		return toolError("leader-set", 1, "cannot write leadership settings: cannot write settings: not the leader")
	}
	overlay.Apply(t.LeaderData, settings)
	return nil
}

func (t *Tools) NetworkGet(_ context.Context, binding, relationID string) (juju.Network, error) {
	defer t.mu.Unlock()
	if err := t.begin("network-get", binding); err != nil {
		return juju.Network{}, err
	}
	if relationID != "" {
		if _, err := t.relation("network-get", relationID); err != nil {
			return juju.Network{}, err
		}
	}
	n, ok := t.Network[binding]
	if !ok {
		return juju.Network{}, toolError("network-get", 1, "no network config found for binding \""+binding+"\"")
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
		return "", toolError("resource-get", 1, "could not download resource: resource#"+t.ownApp()+"/"+name+" not found")
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
		return juju.Storage{}, toolError("storage-get", 2, "invalid value \""+id+"\" for flag -s: storage \""+id+"\" not found")
	}
	return s, nil
}

func (t *Tools) StorageList(_ context.Context, name string) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("storage-list", name); err != nil {
		return nil, err
	}
	ids := []string{}
	for id := range t.Storage {
		if n, _, _ := strings.Cut(id, "/"); name == "" || n == name {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}
