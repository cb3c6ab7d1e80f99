package jujutest

import (
	"context"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
)

// Charm state and ports: buffered in the hook's overlay until it commits.
// state-get sees the hook's own writes; opened-ports lists committed
// ranges only (juju-hook-semantics.md §2.4, §2.9).

func (t *Tools) StateGet(context.Context) (map[string]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("state-get"); err != nil {
		return nil, err
	}
	return t.pending.State(t.State), nil
}

func (t *Tools) StateSet(_ context.Context, settings map[string]string) error {
	defer t.mu.Unlock()
	if err := t.begin("state-set"); err != nil {
		return err
	}
	for k, v := range settings {
		t.pending.SetState(k, v)
	}
	return nil
}

func (t *Tools) StateDelete(_ context.Context, key string) error {
	defer t.mu.Unlock()
	if err := t.begin("state-delete", key); err != nil {
		return err
	}
	t.pending.DeleteState(key)
	return nil
}

// beginPort is begin for open-port and close-port, which also fail on a
// port they cannot parse (exit 2, as a flag error).
func (t *Tools) beginPort(tool, s string) (overlay.Port, error) {
	if err := t.begin(tool, s); err != nil {
		return overlay.Port{}, err
	}
	p, err := overlay.ParsePort(s)
	if err != nil {
		return p, toolError(tool, 2, err.Error())
	}
	return p, nil
}

func (t *Tools) OpenPort(_ context.Context, port string) error {
	defer t.mu.Unlock()
	p, err := t.beginPort("open-port", port)
	if err != nil {
		return err
	}
	t.pending.OpenPort(p)
	return nil
}

func (t *Tools) ClosePort(_ context.Context, port string) error {
	defer t.mu.Unlock()
	p, err := t.beginPort("close-port", port)
	if err != nil {
		return err
	}
	t.pending.ClosePort(p)
	return nil
}

func (t *Tools) OpenedPorts(context.Context) ([]string, error) {
	defer t.mu.Unlock()
	if err := t.begin("opened-ports"); err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range (committed{t}).Ports() {
		out = append(out, p.String())
	}
	return out, nil
}
