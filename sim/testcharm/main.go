// Command testcharm is jujusim's test charm: built as the charm's
// `dispatch`, it calls the hook tools in every hook and appends one JSON
// record per hook or action to $SNAPPY_GLOBAL_ROOT/testcharm/events.jsonl,
// so tests can check ordering, environments and commit semantics.
//
// A hook named in the comma-separated config option fail-hooks writes
// relation data, charm state and a port, then exits 1 (commit/discard
// tests); retries succeed once the option no longer names it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Event is one record.
type Event struct {
	Unit      string            `json:"unit"`
	Hook      string            `json:"hook"`
	Action    string            `json:"action,omitempty"`
	Env       map[string]string `json:"env"`
	Leader    string            `json:"leader"`
	Members   string            `json:"members,omitempty"`
	Config    string            `json:"config,omitempty"`
	EnvKeys   []string          `json:"env-keys"`
	Cwd       string            `json:"cwd"`
	Resource  string            `json:"resource,omitempty"`
	Storage   string            `json:"storage,omitempty"`
	ToolError string            `json:"tool-error,omitempty"`
}

func tool(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), fmt.Errorf("%s %v: %s", name, args, strings.TrimSpace(string(ee.Stderr)))
		}
		return string(out), fmt.Errorf("%s %v: %w", name, args, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testcharm:", err)
		os.Exit(1)
	}
}

func run() error {
	root := os.Getenv("SNAPPY_GLOBAL_ROOT")
	dir := filepath.Join(root, "testcharm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	hook := os.Getenv("JUJU_HOOK_NAME")
	action := os.Getenv("JUJU_ACTION_NAME")
	ev := Event{Unit: os.Getenv("JUJU_UNIT_NAME"), Hook: hook, Action: action, Env: map[string]string{}}
	ev.Cwd, _ = os.Getwd()
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		ev.EnvKeys = append(ev.EnvKeys, k)
		if strings.HasPrefix(k, "JUJU_") || k == "SNAPPY_GLOBAL_ROOT" || k == "PATH" || k == "CHARM_DIR" {
			ev.Env[k] = v
		}
	}
	var toolErrs []string
	note := func(out string, err error) string {
		if err != nil {
			toolErrs = append(toolErrs, err.Error())
		}
		return out
	}
	ev.Leader = note(tool("is-leader"))
	if rid := os.Getenv("JUJU_RELATION_ID"); rid != "" {
		ev.Members = note(tool("relation-list", "-r", rid))
	}
	if hook == "config-changed" {
		ev.Config = note(tool("config-get", "--format=json"))
	}
	switch {
	case action == "echo":
		msg := note(tool("action-get", "msg"))
		note(tool("action-set", "out="+msg, "nested.key=v"))
		note(tool("action-log", "echoing", msg))
		fmt.Println("hello from echo")
	case action == "probe":
		probe()
	case action == "fail":
		code := note(tool("action-get", "code"))
		note(tool("action-fail", "boom"))
		if code != "0" {
			ev.ToolError = strings.Join(toolErrs, "; ")
			record(dir, ev)
			os.Exit(3)
		}
	case hook == "upgrade-charm":
		if path, err := tool("resource-get", "payload"); err == nil {
			data, _ := os.ReadFile(path)
			ev.Resource = string(data)
		} else {
			ev.Resource = "error: " + err.Error()
		}
	case strings.HasSuffix(hook, "-storage-attached"):
		ev.Storage = note(tool("storage-get", "location"))
	case hook == "install":
		note(tool("status-set", "maintenance", "installing"))
		note(tool("juju-log", "installing", ev.Unit))
	case hook == "leader-elected":
		note(tool("leader-set", "leader="+ev.Unit))
	case hook == "start":
		port := note(tool("config-get", "port"))
		note(tool("open-port", port+"/tcp"))
		note(tool("application-version-set", "1.0"))
		note(tool("status-set", "active", "ready"))
	case strings.HasSuffix(hook, "-relation-created"):
		note(tool("relation-set", "-r", os.Getenv("JUJU_RELATION_ID"), "node="+ev.Unit))
		if ev.Leader == "True" {
			note(tool("relation-set", "-r", os.Getenv("JUJU_RELATION_ID"), "--app", "leader="+ev.Unit))
		}
	case strings.HasSuffix(hook, "-relation-changed"):
		note(tool("state-set", "last-changed="+os.Getenv("JUJU_REMOTE_UNIT")))
		note(tool("relation-get", "--format=json", "-"))
	}
	failing, _ := tool("config-get", "fail-hooks")
	if hook != "" && contains(strings.Split(failing, ","), hook) {
		if rid := os.Getenv("JUJU_RELATION_ID"); rid != "" {
			note(tool("relation-set", "-r", rid, "poison=yes"))
		} else if ids, _ := tool("relation-ids", "cluster"); ids != "" {
			note(tool("relation-set", "-r", strings.Fields(ids)[0], "poison=yes"))
		}
		note(tool("state-set", "poison=yes"))
		note(tool("open-port", "9999/tcp"))
		ev.ToolError = strings.Join(toolErrs, "; ")
		record(dir, ev)
		fmt.Fprintln(os.Stderr, "failing on purpose")
		os.Exit(1)
	}
	ev.ToolError = strings.Join(toolErrs, "; ")
	return record(dir, ev)
}

func record(dir string, ev Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(data, '\n'))
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// probe runs the read-only tools (and a few writes) and returns each
// one's output and exit code as action results "<key>" and "<key>-code".
func probe() {
	rid, _ := tool("relation-ids", "cluster")
	calls := []struct {
		key  string
		args []string
	}{
		{"unit-get", []string{"unit-get", "private-address"}},
		{"network-get", []string{"network-get", "--format=json", "cluster"}},
		{"opened-ports", []string{"opened-ports", "--format=json"}},
		{"leader-get", []string{"leader-get", "--format=json"}},
		{"status-get", []string{"status-get", "--format=json", "--include-data"}},
		{"storage-list", []string{"storage-list", "--format=json"}},
		{"config-get", []string{"config-get", "debug"}},
		{"relation-ids", []string{"relation-ids", "--format=json", "cluster"}},
		{"relation-list", []string{"relation-list", "--format=json", "-r", rid}},
		{"relation-get-bad", []string{"relation-get", "-r", "99", "-"}},
		{"state-set", []string{"state-set", "probe=1"}},
		{"state-get", []string{"state-get", "--format=json", "probe"}},
		{"state-delete", []string{"state-delete", "probe"}},
		{"close-port", []string{"close-port", "8080/tcp"}},
		{"opened-ports-after-close", []string{"opened-ports", "--format=json"}},
	}
	for _, c := range calls {
		cmd := exec.Command(c.args[0], c.args[1:]...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		_, _ = tool("action-set", c.key+"="+strings.TrimSpace(string(out)), fmt.Sprintf("%s-code=%d", c.key, code))
	}
}
