package agent

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Actions, logging, resources, storage and charm state.

func (c *Context) action() (*model.Action, error) {
	if c.op.Kind != OpAction {
		return nil, jujuc.ErrNotAction
	}
	return c.s.Model.Actions[c.op.ActionID], nil
}

// ActionParams implements jujuc.Context.
func (c *Context) ActionParams() (map[string]any, error) {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	a, err := c.action()
	if err != nil {
		return nil, err
	}
	if a.Params == nil {
		return map[string]any{}, nil
	}
	return a.Params, nil
}

// UpdateActionResults implements jujuc.Context: a scalar on the way is
// replaced by a map, as Juju's addValueToMap does.
func (c *Context) UpdateActionResults(keys []string, value string) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	if _, err := c.action(); err != nil {
		return err
	}
	jujuc.SetResult(c.results, keys, value)
	return nil
}

// SetActionFailed implements jujuc.Context.
func (c *Context) SetActionFailed(message string) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	if _, err := c.action(); err != nil {
		return err
	}
	c.failed = true
	c.failMessage = message
	return nil
}

// LogActionMessage implements jujuc.Context (immediate).
func (c *Context) LogActionMessage(message string) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	a, err := c.action()
	if err != nil {
		return err
	}
	a.Log = append(a.Log, model.ActionLog{Time: c.s.Now(), Message: message})
	return nil
}

// Log implements jujuc.Context: logger unit.<unit>.juju-log. The
// "<endpoint>:<id>: " prefix of relation hooks is juju-log's to add (as in
// Juju's jujuc), not the log's: adding it here too doubled it.
func (c *Context) Log(level, message string) error {
	c.s.Log(c.unit, strings.ToUpper(level), "unit."+c.unit+".juju-log", message)
	return nil
}

// DownloadResource implements jujuc.Context: copies the app's current
// revision into <base>/resources/<name>/<filename> unless the file there
// already has the same fingerprint.
func (c *Context) DownloadResource(name string) (string, error) {
	_, _, a, unlock := c.lock()
	res, ok := a.Resources[name]
	ch, err := c.s.Charms.Get(a.CharmPath)
	unlock()
	if err != nil {
		return "", err
	}
	meta, declared := ch.Meta().Resources[name]
	if !declared || !ok {
		return "", fmt.Errorf("resource#%s/%s not found: %w", a.Name, name, jujuc.ErrResourceNotFound)
	}
	dst := filepath.Join(c.paths.Resources, name, meta.Path)
	if fp, err := Fingerprint(dst); err == nil && fp == res.Fingerprint {
		return dst, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("cannot download resource: %w", err)
	}
	if err := copyPath(res.Blob, dst); err != nil {
		return "", fmt.Errorf("cannot download resource: %w", err)
	}
	return dst, nil
}

// Fingerprint is the sha384 of a file, as Juju fingerprints resources.
func Fingerprint(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha512.New384()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyPath(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// StorageIDs implements jujuc.Context.
func (c *Context) StorageIDs(name string) ([]string, error) {
	_, u, _, unlock := c.lock()
	defer unlock()
	var out []string
	for _, s := range u.Storage {
		if name == "" || strings.HasPrefix(s.ID, name+"/") {
			out = append(out, s.ID)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Storage implements jujuc.Context.
func (c *Context) Storage(id string) (jujuc.StorageInstance, error) {
	_, u, _, unlock := c.lock()
	defer unlock()
	for _, s := range u.Storage {
		if s.ID == id {
			return jujuc.StorageInstance{ID: s.ID, Kind: s.Kind, Location: s.Location}, nil
		}
	}
	return jujuc.StorageInstance{}, fmt.Errorf("storage %q not found", id)
}

// HookStorageID implements jujuc.Context.
func (c *Context) HookStorageID() (string, bool) {
	if c.op.Kind == OpHook && c.op.Hook.StorageID != "" {
		return c.op.Hook.StorageID, true
	}
	return "", false
}

// Charm state quotas (Juju core/quota).
const (
	maxStateKey   = 256
	maxStateValue = 64 * 1024
)

// CharmState implements jujuc.Context.
func (c *Context) CharmState() (map[string]string, error) {
	_, u, _, unlock := c.lock()
	defer unlock()
	return c.writes.State(u.State), nil
}

// SetCharmStateValue implements jujuc.Context (buffered).
func (c *Context) SetCharmStateValue(key, value string) error {
	if len(key) > maxStateKey {
		return fmt.Errorf("max allowed key length (%d) exceeded", maxStateKey)
	}
	if len(value) > maxStateValue {
		return fmt.Errorf("max allowed value length (%d) exceeded", maxStateValue)
	}
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	c.writes.SetState(key, value)
	return nil
}

// DeleteCharmStateValue implements jujuc.Context (buffered).
func (c *Context) DeleteCharmStateValue(key string) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	c.writes.DeleteState(key)
	return nil
}
