package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

func TestParseConstraints(t *testing.T) {
	cases := []struct{ in, arch, err string }{
		{"", "", ""},
		{"arch=arm64", "arm64", ""},
		{"mem=4G arch=s390x cores=2", "s390x", ""},
		{"arch=sparc", "", `bad "arch" constraint: "sparc" not recognized`},
		{"colour=blue", "", `unknown constraint "colour"`},
		{"arch", "", `malformed constraint "arch"`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			arch, err := parseConstraints(tc.in)
			if arch != tc.arch || errString(err) != tc.err {
				t.Errorf("got %q %v, want %q %q", arch, err, tc.arch, tc.err)
			}
		})
	}
}

func TestCheckArch(t *testing.T) {
	cases := []struct{ name, manifest, arch, err string }{
		{"listed", bothArchsJammy, "arm64", ""},
		{"not listed", amd64Jammy, "arm64", `requested architecture "arm64" not found in available architectures [amd64]`},
		{"no manifest makes no claim", "", "s390x", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkArch(charmFrom(t, "", tc.manifest), tc.arch); errString(err) != tc.err {
				t.Errorf("got %v, want %q", err, tc.err)
			}
		})
	}
}

// The test binary is an ELF for the host: foreign on any other arch, and a
// script or a missing file is never foreign.
func TestForeignBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	other := "s390x"
	if HostArch() == "s390x" {
		other = "amd64"
	}
	script := t.TempDir() + "/dispatch"
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, arch string
		foreign          bool
	}{
		{"host ELF on host arch", exe, HostArch(), false},
		{"host ELF on another arch", exe, other, true},
		{"script", script, other, false},
		{"missing", script + ".none", other, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := foreignBinary(tc.path, tc.arch); got != tc.foreign {
				t.Errorf("foreign = %v, want %v", got, tc.foreign)
			}
		})
	}
}

// otherArch is an architecture that is not the host's.
func otherArch() string {
	if HostArch() == "arm64" {
		return "amd64"
	}
	return "arm64"
}

// A charm whose manifest lacks the machine's arch is refused at deploy and
// add-unit; one whose manifest claims the arch but whose dispatch is an ELF
// for the host fails its first hook with exec format error, unstarted.
func TestArchitectureOfMachines(t *testing.T) {
	c := startController(t, 1)
	ch := testCharm(t)
	other := otherArch()
	hostOnly := "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [" + HostArch() + "]\n"
	if err := os.WriteFile(filepath.Join(ch, "manifest.yaml"), []byte(hostOnly), 0o644); err != nil {
		t.Fatal(err)
	}
	err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1, Constraints: "arch=" + other})
	if want := `cannot add application "testcharm": requested architecture "` + other + `" not found in available architectures [` + HostArch() + `]`; errString(err) != want {
		t.Fatalf("deploy on %s: %v", other, err)
	}
	manifest := "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [" + HostArch() + ", " + other + "]\n"
	if err := os.WriteFile(filepath.Join(ch, "manifest.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1, Constraints: "arch=" + other}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddUnit("testcharm", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 60*time.Second, "both units in error", func(m *model.Model) bool {
		return m.Units["testcharm/0"].AgentState.Failed != nil && m.Units["testcharm/1"].AgentState.Failed != nil
	})
	c.Model(func(m *model.Model) {
		if got := m.Machines[m.Units["testcharm/0"].Machine].Arch; got != other {
			t.Errorf("machine 0 arch %q, want %q", got, other)
		}
		if got := m.Machines[m.Units["testcharm/1"].Machine].Arch; got != other {
			t.Errorf("add-unit without constraints: machine arch %q, want the application's %q", got, other)
		}
	})
	log, _ := os.ReadFile(filepath.Join(c.cfg.Home, DebugLog))
	if !strings.Contains(string(log), `hook "data-storage-attached" (via dispatch) failed: fork/exec `) || !strings.Contains(string(log), "exec format error") {
		t.Errorf("debug log lacks the exec format error:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(c.cfg.Home, "machines/0/root/testcharm")); err == nil {
		t.Error("the foreign dispatch ran: it recorded events")
	}
}
