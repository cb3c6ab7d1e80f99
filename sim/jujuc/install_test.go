package jujuc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

func TestInstallTools(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "jujuc")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tools := filepath.Join(dir, "tools", "unit-etcd-0")
	for i := 0; i < 2; i++ { // the second run finds the links in place
		if err := jujuc.InstallTools(tools, bin); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	entries, err := os.ReadDir(tools)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(toolNames(t)) {
		t.Fatalf("%d entries, want %d", len(entries), len(jujuc.ToolNames))
	}
	for _, name := range jujuc.ToolNames {
		if target, err := os.Readlink(filepath.Join(tools, name)); err != nil || target != bin {
			t.Errorf("%s → %q, %v", name, target, err)
		}
	}
	// A rebuilt binary elsewhere: the links follow it.
	bin2 := filepath.Join(dir, "jujuc2")
	if err := os.WriteFile(bin2, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := jujuc.InstallTools(tools, bin2); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(tools, "relation-get")); err != nil || target != bin2 {
		t.Errorf("relation-get → %q, %v after reinstall", target, err)
	}

	tests := []struct {
		name    string
		setup   func(t *testing.T) (toolsDir, binary string)
		wantErr string
	}{{
		name: "missing binary",
		setup: func(t *testing.T) (string, string) {
			return t.TempDir(), filepath.Join(t.TempDir(), "nope")
		},
		wantErr: "no such file or directory",
	}, {
		name: "binary not executable",
		setup: func(t *testing.T) (string, string) {
			b := filepath.Join(t.TempDir(), "jujuc")
			os.WriteFile(b, nil, 0o644)
			return t.TempDir(), b
		},
		wantErr: "is not an executable file",
	}, {
		name: "foreign file in the way",
		setup: func(t *testing.T) (string, string) {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, "is-leader"), nil, 0o755)
			return d, bin
		},
		wantErr: "exists and is not a symlink",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toolsDir, binary := tt.setup(t)
			err := jujuc.InstallTools(toolsDir, binary)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
