package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTools writes hook tools as shell scripts that record their argv (one
// line per call, in calls.log) and print canned answers, the way Juju's
// tools would for an etcd unit with no relations.
func fakeTools(t *testing.T) (dir, calls string) {
	t.Helper()
	dir = t.TempDir()
	calls = filepath.Join(dir, "calls.log")
	answers := map[string]string{
		// management_port equal to port: the install handler must refuse
		// the config before touching snapd or etcd.
		"config-get":   `{"port":2379,"management_port":2379,"channel":"auto"}`,
		"relation-ids": `[]`,
		"network-get":  `{"ingress-addresses":["10.0.0.10"]}`,
		"action-get":   `{}`,
		"is-leader":    `true`,
		"state-get":    `{}`,
	}
	for _, tool := range []string{"config-get", "relation-ids", "relation-list", "relation-get", "relation-set",
		"status-set", "network-get", "action-get", "action-set", "action-fail", "action-log", "juju-log", "is-leader",
		"state-get", "state-set", "state-delete"} {
		script := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + calls + "\n"
		if a, ok := answers[tool]; ok {
			script += "echo '" + a + "'\n"
		}
		if err := os.WriteFile(filepath.Join(dir, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, calls
}

// buildCharm builds the charm binary as `make build` does, named dispatch.
func buildCharm(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the charm binary")
	}
	bin := filepath.Join(t.TempDir(), "dispatch")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestDispatchAsJujuRunsIt(t *testing.T) {
	bin := buildCharm(t)
	tests := []struct {
		name      string
		env       []string
		wantCode  int
		wantCalls []string
		wantOut   string
	}{{
		name:     "install runs the install handler",
		env:      []string{"JUJU_DISPATCH_PATH=hooks/install"},
		wantCode: 0,
		wantCalls: []string{
			"state-get --format=json",
			"config-get --format=json",
			// A blocked reason reaches juju-log once (the memo in unit
			// state keeps it from repeating every hook).
			"juju-log --log-level WARNING -- status blocked: Invalid config: management_port: must differ from port (both 2379)",
			"state-set -- memo-status=blocked: Invalid config: management_port: must differ from port (both 2379)",
			"status-set --application=false -- blocked Invalid config: management_port: must differ from port (both 2379)",
		},
	}, {
		name:      "an unknown hook exits 0 with a log line",
		env:       []string{"JUJU_DISPATCH_PATH=hooks/secret-rotate"},
		wantCode:  0,
		wantOut:   `no handler for hook "secret-rotate"; nothing to do`,
		wantCalls: nil,
	}, {
		name:     "an action reports through action-set",
		env:      []string{"JUJU_DISPATCH_PATH=actions/package-client-credentials", "JUJU_ACTION_NAME=package-client-credentials", "JUJU_ACTION_UUID=7"},
		wantCode: 0,
		wantCalls: []string{
			"config-get --format=json",
			"network-get --format=json db",
			"action-set -- copy.cmd=juju scp etcd/0:/home/ubuntu/etcd_credentials.tar.gz . path=/home/ubuntu/etcd_credentials.tar.gz",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools, calls := fakeTools(t)
			root := t.TempDir()
			common := filepath.Join(root, "var/snap/etcd/common")
			if err := os.MkdirAll(common, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"client.crt", "client.key", "ca.crt"} {
				if err := os.WriteFile(filepath.Join(common, f), []byte(f), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin)
			cmd.Dir = filepath.Dir(bin)
			// Juju replaces the environment; nothing of ours leaks in.
			cmd.Env = append([]string{
				"PATH=" + tools + ":/usr/bin:/bin",
				"JUJU_UNIT_NAME=etcd/0",
				"JUJU_CHARM_DIR=" + filepath.Dir(bin),
				"SNAPPY_GLOBAL_ROOT=" + root,
			}, tt.env...)
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tt.wantCode, out)
			}
			if !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("output %q lacks %q", out, tt.wantOut)
			}
			log, _ := os.ReadFile(calls)
			got := strings.Split(strings.TrimSpace(string(log)), "\n")
			if len(log) == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantCalls, "\n") {
				t.Errorf("tool calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
			}
		})
	}
}

func TestMainSubcommands(t *testing.T) {
	tests := []struct {
		args     []string
		env      map[string]string
		wantCode int
		wantOut  string
	}{
		{[]string{"etcd-charm", "version"}, nil, 0, "etcd-charm dev (go"},
		{[]string{"etcd-charm", "hook"}, nil, 2, "accepts 1 arg(s), received 0"},
		{[]string{"etcd-charm", "bogus"}, nil, 2, `unknown command "bogus"`},
		// Not run by Juju: the event cannot be parsed, and that is an error.
		{[]string{"dispatch"}, nil, 1, "JUJU_DISPATCH_PATH is not set"},
		{[]string{"etcd-charm", "hook", "install"}, nil, 1, "JUJU_UNIT_NAME is not set"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out strings.Builder
			code := Main(tt.args, func(k string) string { return tt.env[k] }, &out, &out)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("Main() = %d, %q; want %d, containing %q", code, out.String(), tt.wantCode, tt.wantOut)
			}
		})
	}
}
