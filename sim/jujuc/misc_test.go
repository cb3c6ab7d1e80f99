package jujuc_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
)

// juju-log levels, the relation prefix, and the invalid-level warning.
func TestJujuLog(t *testing.T) {
	tests := []struct {
		scenario string
		args     []string
		want     []jujuctest.LogEntry
	}{
		{"hook", []string{"juju-log", "hello", "world"}, []jujuctest.LogEntry{entry("INFO", "hello world")}},
		{"hook", []string{"juju-log", "--debug", "x"}, []jujuctest.LogEntry{entry("DEBUG", "x")}},
		{"hook", []string{"juju-log", "-l", "warn", "x"}, []jujuctest.LogEntry{entry("WARNING", "x")}},
		{"relhook", []string{"juju-log", "--log-level", "ERROR", "--", "-x"}, []jujuctest.LogEntry{entry("ERROR", "db:1: -x")}},
		{"hook", []string{"juju-log", "-l", "bogus", "x"}, []jujuctest.LogEntry{
			entry("WARNING", `Specified log level of "bogus" is not valid`), entry("INFO", "x"),
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ctx := scenario(t, tt.scenario)
			resp := directRunner(t, ctx, t.TempDir(), tt.args, nil)
			if resp.Code != 0 || len(resp.Stdout) != 0 {
				t.Fatalf("code %d stdout %q stderr %q", resp.Code, resp.Stdout, resp.Stderr)
			}
			if !reflect.DeepEqual(ctx.Logs, tt.want) {
				t.Errorf("logs %v, want %v", ctx.Logs, tt.want)
			}
		})
	}
}

// state-set enforces Juju's quota; state writes apply at Commit.
func TestStateSet(t *testing.T) {
	long := strings.Repeat("k", 257)
	tests := []struct {
		args     []string
		wantErr  string
		wantKeys int
	}{
		{[]string{"state-set", long + "=v"}, "ERROR max allowed key length (256) exceeded\n", 2},
		{[]string{"state-set", "k=" + strings.Repeat("v", 65537)}, "ERROR max allowed value length (65536) exceeded\n", 2},
		{[]string{"state-set", strings.Repeat("k", 256) + "=" + strings.Repeat("v", 65536)}, "", 3},
	}
	for _, tt := range tests {
		ctx := scenario(t, "hook")
		resp := directRunner(t, ctx, t.TempDir(), tt.args, nil)
		if string(resp.Stderr) != tt.wantErr {
			t.Errorf("stderr %q, want %q", resp.Stderr, tt.wantErr)
		}
		if len(ctx.State) != 2 {
			t.Errorf("state changed before commit: %d keys", len(ctx.State))
		}
		ctx.Commit()
		if len(ctx.State) != tt.wantKeys {
			t.Errorf("state after commit has %d keys, want %d", len(ctx.State), tt.wantKeys)
		}
	}
}

// -o/--output writes the formatted value to a file relative to the
// request's directory instead of stdout.
func TestOutputFile(t *testing.T) {
	ctx := scenario(t, "hook")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"config-get", "port", "-o", "port.txt"},
		{"is-leader", "--format=json", "--output=sub/leader.json"},
	} {
		if strings.Contains(args[len(args)-1], "sub/") {
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if resp := directRunner(t, ctx, dir, args, nil); resp.Code != 0 || len(resp.Stdout) != 0 {
			t.Fatalf("%v: code %d stdout %q stderr %q", args, resp.Code, resp.Stdout, resp.Stderr)
		}
	}
	for file, want := range map[string]string{"port.txt": "2379\n", "sub/leader.json": "true\n"} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", file, got, err, want)
		}
	}
}

// -h/--help prints the usage on stdout and exits 0 for every tool; every
// tool has a summary (its entry in the help table).
func TestHelp(t *testing.T) {
	ctx := scenario(t, "hook")
	for _, name := range toolNames(t) {
		for _, flag := range []string{"-h", "--help"} {
			resp := directRunner(t, ctx, t.TempDir(), []string{name, flag}, nil)
			if resp.Code != 0 || len(resp.Stderr) != 0 || !strings.HasPrefix(string(resp.Stdout), "Usage: "+name) ||
				!strings.Contains(string(resp.Stdout), "\nSummary:\n") {
				t.Errorf("%s %s: code %d stdout %q stderr %q", name, flag, resp.Code, resp.Stdout, resp.Stderr)
			}
		}
	}
}

func entry(level, message string) jujuctest.LogEntry {
	return jujuctest.LogEntry{Level: level, Message: message}
}
