package juju

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
)

// Runner runs one hook tool and returns what it printed and its exit code.
// A non-nil error means the tool could not be run at all.
type Runner func(ctx context.Context, tool string, args []string) (stdout, stderr []byte, code int, err error)

// ExecRunner runs tools as processes found on PATH, which Juju puts the
// unit's tools directory at the head of.
func ExecRunner(ctx context.Context, tool string, args []string) ([]byte, []byte, int, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), stderr.Bytes(), 0, nil
	case errors.As(err, &exitErr):
		return stdout.Bytes(), stderr.Bytes(), exitErr.ExitCode(), nil
	default:
		return nil, nil, -1, fmt.Errorf("cannot run %s: %w", tool, err)
	}
}

// ExecTools implements Tools by running Juju's hook tools.
type ExecTools struct {
	run Runner
}

// NewExecTools returns Tools that run the real hook tools.
func NewExecTools() *ExecTools { return &ExecTools{run: ExecRunner} }

// NewToolsWithRunner returns Tools over run, for tests of argument building.
func NewToolsWithRunner(run Runner) *ExecTools { return &ExecTools{run: run} }

var _ Tools = (*ExecTools)(nil)

// call runs a tool and turns a non-zero exit into a *ToolError.
func (t *ExecTools) call(ctx context.Context, tool string, args ...string) ([]byte, error) {
	stdout, stderr, code, err := t.run(ctx, tool, args)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, &ToolError{Tool: tool, Args: args, Code: code, Stderr: string(stderr)}
	}
	return stdout, nil
}

// callJSON runs a tool with --format=json and decodes its output into v.
// Numbers decode as json.Number so config ints stay exact.
func (t *ExecTools) callJSON(ctx context.Context, v any, tool string, args ...string) error {
	out, err := t.call(ctx, tool, append([]string{"--format=json"}, args...)...)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("cannot decode %s output %q: %w", tool, truncate(out), err)
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// keyValues renders a settings map as sorted key=value arguments, the form
// relation-set, leader-set, state-set and action-set take. "--" first keeps
// a value starting with "-" from being read as a flag.
// getBag runs tool, which prints one settings bag as json; none (null)
// is an empty bag.
func (t *ExecTools) getBag(ctx context.Context, tool string, args ...string) (map[string]string, error) {
	var data map[string]string
	if err := t.callJSON(ctx, &data, tool, args...); err != nil {
		return nil, err
	}
	if data == nil {
		data = map[string]string{}
	}
	return data, nil
}

// setBag runs tool with args and then settings as key=value arguments;
// with no settings it runs no tool.
func (t *ExecTools) setBag(ctx context.Context, tool string, settings map[string]string, args ...string) error {
	if len(settings) == 0 {
		return nil
	}
	_, err := t.call(ctx, tool, append(args, keyValues(settings)...)...)
	return err
}

func keyValues(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"--"}
	for _, k := range keys {
		args = append(args, k+"="+m[k])
	}
	return args
}

func (t *ExecTools) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	var ids []string
	err := t.callJSON(ctx, &ids, "relation-ids", endpoint)
	return ids, err
}

func (t *ExecTools) RelationList(ctx context.Context, relationID string) ([]string, error) {
	var units []string
	err := t.callJSON(ctx, &units, "relation-list", "-r", relationID)
	return units, err
}

func (t *ExecTools) RelationRemoteApp(ctx context.Context, relationID string) (string, error) {
	var app string
	err := t.callJSON(ctx, &app, "relation-list", "-r", relationID, "--app")
	return app, err
}

func (t *ExecTools) RelationGet(ctx context.Context, relationID, name string, app bool) (map[string]string, error) {
	args := []string{"-r", relationID}
	if app {
		args = append(args, "--app")
	}
	return t.getBag(ctx, "relation-get", append(args, "-", name)...)
}

func (t *ExecTools) RelationSet(ctx context.Context, relationID string, app bool, settings map[string]string) error {
	args := []string{"-r", relationID}
	if app {
		args = append(args, "--app")
	}
	return t.setBag(ctx, "relation-set", settings, args...)
}

func (t *ExecTools) ConfigGet(ctx context.Context) (map[string]any, error) {
	var raw map[string]any
	if err := t.callJSON(ctx, &raw, "config-get"); err != nil {
		return nil, err
	}
	cfg := make(map[string]any, len(raw))
	for k, v := range raw {
		cfg[k] = typedNumber(v)
	}
	return cfg, nil
}

// typedNumber turns a json.Number into int64 when integral, else float64,
// matching the types Juju's config options have.
func typedNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}

func (t *ExecTools) StatusSet(ctx context.Context, status Status, application bool) error {
	_, err := t.call(ctx, "status-set", "--application="+strconv.FormatBool(application), "--", string(status.Name), status.Message)
	return err
}

func (t *ExecTools) ApplicationVersionSet(ctx context.Context, version string) error {
	_, err := t.call(ctx, "application-version-set", "--", version)
	return err
}

func (t *ExecTools) IsLeader(ctx context.Context) (bool, error) {
	var leader bool
	err := t.callJSON(ctx, &leader, "is-leader")
	return leader, err
}

func (t *ExecTools) LeaderGet(ctx context.Context) (map[string]string, error) {
	return t.getBag(ctx, "leader-get")
}

func (t *ExecTools) LeaderSet(ctx context.Context, settings map[string]string) error {
	return t.setBag(ctx, "leader-set", settings)
}

func (t *ExecTools) OpenPort(ctx context.Context, port string) error {
	_, err := t.call(ctx, "open-port", port)
	return err
}

func (t *ExecTools) ClosePort(ctx context.Context, port string) error {
	_, err := t.call(ctx, "close-port", port)
	return err
}

func (t *ExecTools) OpenedPorts(ctx context.Context) ([]string, error) {
	var ports []string
	err := t.callJSON(ctx, &ports, "opened-ports")
	return ports, err
}

// networkDoc is network-get's json document.
type networkDoc struct {
	BindAddresses []struct {
		Addresses []struct {
			Value string `json:"value"`
		} `json:"addresses"`
	} `json:"bind-addresses"`
	EgressSubnets    []string `json:"egress-subnets"`
	IngressAddresses []string `json:"ingress-addresses"`
}

func (t *ExecTools) NetworkGet(ctx context.Context, binding, relationID string) (Network, error) {
	args := []string{binding}
	if relationID != "" {
		args = append([]string{"-r", relationID}, args...)
	}
	var doc networkDoc
	if err := t.callJSON(ctx, &doc, "network-get", args...); err != nil {
		return Network{}, err
	}
	net := Network{IngressAddresses: doc.IngressAddresses, EgressSubnets: doc.EgressSubnets}
	for _, ba := range doc.BindAddresses {
		if len(ba.Addresses) > 0 {
			net.BindAddresses = append(net.BindAddresses, ba.Addresses[0].Value)
		}
	}
	return net, nil
}

func (t *ExecTools) ResourceGet(ctx context.Context, name string) (string, error) {
	out, err := t.call(ctx, "resource-get", name)
	return strings.TrimSpace(string(out)), err
}

func (t *ExecTools) StorageGet(ctx context.Context, id string) (Storage, error) {
	var s Storage
	var doc struct {
		Kind     string `json:"kind"`
		Location string `json:"location"`
	}
	if err := t.callJSON(ctx, &doc, "storage-get", "-s", id); err != nil {
		return s, err
	}
	return Storage{Kind: doc.Kind, Location: doc.Location}, nil
}

func (t *ExecTools) StorageList(ctx context.Context, name string) ([]string, error) {
	args := []string{}
	if name != "" {
		args = append(args, name)
	}
	var ids []string
	err := t.callJSON(ctx, &ids, "storage-list", args...)
	return ids, err
}

func (t *ExecTools) StateGet(ctx context.Context) (map[string]string, error) {
	return t.getBag(ctx, "state-get")
}

func (t *ExecTools) StateSet(ctx context.Context, settings map[string]string) error {
	return t.setBag(ctx, "state-set", settings)
}

func (t *ExecTools) StateDelete(ctx context.Context, key string) error {
	_, err := t.call(ctx, "state-delete", "--", key)
	return err
}

func (t *ExecTools) ActionGet(ctx context.Context) (map[string]any, error) {
	var params map[string]any
	if err := t.callJSON(ctx, &params, "action-get"); err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	for k, v := range params {
		params[k] = typedNumber(v)
	}
	return params, nil
}

func (t *ExecTools) ActionSet(ctx context.Context, results map[string]string) error {
	if len(results) == 0 {
		return nil
	}
	_, err := t.call(ctx, "action-set", keyValues(results)...)
	return err
}

func (t *ExecTools) ActionFail(ctx context.Context, message string) error {
	_, err := t.call(ctx, "action-fail", "--", message)
	return err
}

func (t *ExecTools) ActionLog(ctx context.Context, message string) error {
	_, err := t.call(ctx, "action-log", "--", message)
	return err
}

func (t *ExecTools) Log(ctx context.Context, level, message string) error {
	_, err := t.call(ctx, "juju-log", "--log-level", level, "--", message)
	return err
}
