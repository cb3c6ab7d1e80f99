package snapd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/snapcore/snapd/timeutil"
)

// remapSnap is RemapSnapFromRequest: "system" is another name for "core".
func remapSnap(name string) string {
	if name == "system" {
		return "core"
	}
	return name
}

// configError is the value of an option-not-found error: snapd marshals its
// Go error struct, hence the capitalised keys.
type configError struct {
	SnapName string
	Key      string
}

// getPath looks a dotted key up in a config document.
func getPath(doc map[string]any, key string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setPath sets (or with nil, unsets) a dotted key, making parents as needed.
func setPath(doc map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	m := doc
	for _, part := range parts[:len(parts)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			if v == nil {
				return
			}
			next = map[string]any{}
			m[part] = next
		}
		m = next
	}
	if v == nil {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = v
}

// getConf serves GET /v2/snaps/{name}/conf?keys=a,b.c: an object keyed by
// each key exactly as asked; no keys means the whole document.
func (d *Daemon) getConf(name string, r *http.Request) reply {
	name = remapSnap(name)
	keys := splitNames(r.URL.Query().Get("keys"))
	d.mu.Lock()
	defer d.mu.Unlock()
	doc := d.conf[name]
	if len(keys) == 0 {
		if doc == nil {
			return syncReply(map[string]any{})
		}
		return syncReply(doc)
	}
	out := map[string]any{}
	for _, k := range keys {
		v, ok := getPath(doc, k)
		if !ok {
			return errorReply(kindError(http.StatusBadRequest, kindOptionNotFound, configError{SnapName: name, Key: k},
				"snap %q has no %q configuration option", name, k))
		}
		out[k] = v
	}
	return syncReply(out)
}

// setConf serves PUT /v2/snaps/{name}/conf: a configure-snap change whose
// one task runs the configure hook. For core the hook is snapd itself,
// which validates what it knows (refresh.timer with timeutil's schedule
// parser). Other snaps here ship no configure hook (the etcd snap has
// none), so a non-empty patch makes the change fail and nothing is stored.
func (d *Daemon) setConf(name string, r *http.Request) reply {
	name = remapSnap(name)
	var patch map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&patch); err != nil {
		return errorReply(badRequest("cannot decode request body into patch values: %v", err))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.snaps[name]; !ok && name != "core" {
		return errorReply(kindError(http.StatusNotFound, kindSnapNotFound, name, "snap %q is not installed", name))
	}
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	c := d.addChange("configure-snap", fmt.Sprintf("Change configuration of %q snap", name), []string{name}, nil,
		d.newTask("run-hook", fmt.Sprintf("Run configure hook of %q snap", name), func(context.Context) error {
			return d.applyConf(name, patch)
		}))
	return asyncReply(c.id)
}

func (d *Daemon) applyConf(name string, patch map[string]any) error {
	if len(patch) == 0 {
		return nil
	}
	if name != "core" {
		return fmt.Errorf("snap %q has no \"configure\" hook", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	doc := cloneDoc(d.conf["core"])
	for k, v := range patch {
		setPath(doc, k, v)
	}
	if err := validateCore(doc); err != nil {
		return err
	}
	d.conf["core"] = doc
	return d.saveLocked()
}

func cloneDoc(doc map[string]any) map[string]any {
	data, _ := json.Marshal(doc)
	out := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}

// validateCore checks core options the way configcore/refresh.go does.
func validateCore(doc map[string]any) error {
	str := func(key string) (string, error) {
		v, ok := getPath(doc, key)
		if !ok || v == nil {
			return "", nil
		}
		switch v := v.(type) {
		case string:
			return v, nil
		case json.Number:
			return v.String(), nil
		}
		return "", fmt.Errorf("option %q has an invalid value: %v", key, v)
	}
	if v, err := str("refresh.retain"); err != nil {
		return err
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 20 {
			return fmt.Errorf("retain must be a number between 2 and 20, not %q", v)
		}
	}
	for _, key := range []string{"refresh.timer", "refresh.schedule"} {
		v, err := str(key)
		if err != nil {
			return err
		}
		if v == "managed" {
			// Only a device whose refreshes are managed elsewhere may
			// say so; a fresh machine may not.
			return fmt.Errorf("cannot set schedule to managed")
		}
		if v == "" {
			continue
		}
		if key == "refresh.timer" {
			if _, err := timeutil.ParseSchedule(v); err != nil {
				return err
			}
		} else if _, err := timeutil.ParseLegacySchedule(v); err != nil {
			return err
		}
	}
	return nil
}
