// Package scripts holds the tests of the repository's shell scripts.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debFiles are the files setup.sh takes as proof of each Debian package.
var debFiles = map[string][]string{
	"squashfs-tools": {"usr/bin/mksquashfs"},
	"etcd-server":    {"usr/bin/etcd"},
	"etcd-client":    {"usr/bin/etcdctl"},
	"easy-rsa":       {"usr/share/easy-rsa/easyrsa"},
	"iproute2":       {"usr/bin/ip"},
	"prometheus":     {"usr/bin/prometheus", "usr/bin/promtool"},
}

// machine is a fake machine for setup.sh: SETUP_ROOT with some packages'
// files, a PATH whose first directory holds stubs of id, apt-get and
// systemctl that log their calls, and a GOPATH whose bin may hold a
// staticcheck. The real system tools come after the stubs (sed, mktemp),
// so nothing the script runs can reach the host's package manager.
type machine struct {
	root, stubs, gopath, calls string
	uid                        string
	aptInstalls                bool   // apt-get "installs" by creating the files
	noGo                       bool   // Go is not on PATH
	staticcheck                string // the -version line; "" = absent
	have                       []string
}

func (m *machine) setup(t *testing.T) {
	t.Helper()
	base := t.TempDir()
	m.root = filepath.Join(base, "root")
	m.stubs = filepath.Join(base, "stubs")
	m.gopath = filepath.Join(base, "gopath")
	m.calls = filepath.Join(base, "calls")
	for _, d := range []string{m.root, m.stubs, filepath.Join(m.gopath, "bin"), filepath.Join(m.root, "run/systemd/system")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, pkg := range m.have {
		for _, f := range debFiles[pkg] {
			touch(t, filepath.Join(m.root, f))
		}
	}
	stub := func(name, body string) {
		script := "#!/bin/sh\necho \"" + name + " $*\" >>'" + m.calls + "'\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(m.stubs, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stub("id", "echo "+m.uid)
	install := "exit 100" // apt's exit code when it cannot fetch
	if m.aptInstalls {
		var mk []string
		for _, files := range debFiles {
			for _, f := range files {
				mk = append(mk, "'"+filepath.Join(m.root, f)+"'")
			}
		}
		install = "case \"$*\" in *install*) for f in " + strings.Join(mk, " ") +
			"; do mkdir -p \"$(dirname \"$f\")\"; : >\"$f\"; done;; esac; exit 0"
	}
	stub("apt-get", install)
	stub("systemctl", "exit 0")
	stub("sudo", "exit 1")
	if m.staticcheck != "" {
		sc := "#!/bin/sh\necho '" + m.staticcheck + "'\n"
		if err := os.WriteFile(filepath.Join(m.gopath, "bin/staticcheck"), []byte(sc), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o755); err != nil {
		t.Fatal(err)
	}
}

// run runs setup.sh on the fake machine and returns its output lines,
// exit code and the stubs' call log.
func (m *machine) run(t *testing.T, args ...string) (lines []string, code int, calls string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	cmd := exec.Command("bash", append([]string{"setup.sh"}, args...)...)
	path := m.stubs + ":" + filepath.Dir(goBin) + ":/usr/bin:/bin"
	if m.noGo {
		for _, d := range []string{"/usr/bin", "/bin"} {
			if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
				t.Skipf("go is in %s: cannot hide it", d)
			}
		}
		path = m.stubs + ":/usr/bin:/bin"
	}
	cmd.Env = []string{
		"PATH=" + path,
		"HOME=" + t.TempDir(),
		"SETUP_ROOT=" + m.root,
		"GOPATH=" + m.gopath,
		"GOBIN=",
		"GOFLAGS=-mod=mod",
		"GOPROXY=off", // a go install must fail as if offline
		"GOTOOLCHAIN=local",
		"GOCACHE=" + t.TempDir(),
		"TMPDIR=" + t.TempDir(),
	}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(m.calls)
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines, code, string(data)
}

// goModVersion is go.mod's go line, the Go setup.sh asks for.
func goModVersion(t *testing.T) string {
	data, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

var allDebs = []string{"squashfs-tools", "etcd-server", "etcd-client", "easy-rsa", "iproute2", "prometheus"}

const goodStaticcheck = "staticcheck 2026.2.2 (0.8.2)"

func TestSetupEverythingPresentIsQuiet(t *testing.T) {
	m := &machine{uid: "1000", have: allDebs, staticcheck: goodStaticcheck}
	m.setup(t)
	lines, code, calls := m.run(t)
	if code != 0 || len(lines) != 0 {
		t.Fatalf("exit %d, output %q; want 0 and nothing", code, lines)
	}
	if strings.Contains(calls, "apt-get") {
		t.Fatalf("apt-get ran although nothing was missing: %s", calls)
	}
}

func TestSetupPreflight(t *testing.T) {
	tests := []struct {
		name        string
		m           machine
		args        []string
		wantCode    int
		wantLines   []string // each the whole line, in order
		wantCalls   []string // substrings of the stubs' call log
		absentCalls []string
	}{{
		name:        "check names every missing package and tool on one line",
		m:           machine{uid: "0", have: []string{"squashfs-tools", "iproute2", "easy-rsa"}, staticcheck: "staticcheck 2025.1 (0.6.0)"},
		args:        []string{"--check"},
		wantCode:    1,
		wantLines:   []string{"setup: missing Debian packages: etcd-server etcd-client prometheus; staticcheck v0.8.2"},
		absentCalls: []string{"apt-get"},
	}, {
		name:     "not root stops at once naming the packages and the command",
		m:        machine{uid: "1000", have: []string{"squashfs-tools", "etcd-client", "iproute2", "prometheus"}, staticcheck: goodStaticcheck},
		wantCode: 1,
		wantLines: []string{
			"setup: missing Debian packages etcd-server easy-rsa; install them with: sudo apt-get update && sudo apt-get install -y etcd-server easy-rsa",
		},
		absentCalls: []string{"apt-get"},
	}, {
		name:     "apt-get failing (offline) stops with one line and the command",
		m:        machine{uid: "0", have: []string{"squashfs-tools", "etcd-server", "etcd-client", "easy-rsa", "iproute2"}, staticcheck: goodStaticcheck},
		wantCode: 1,
		wantLines: []string{
			"setup: installing Debian packages prometheus",
		},
		wantCalls: []string{"apt-get update -qq"},
	}, {
		name:      "root with a working apt installs and stops Debian's services",
		m:         machine{uid: "0", aptInstalls: true, staticcheck: goodStaticcheck},
		wantCode:  0,
		wantLines: []string{"setup: installing Debian packages squashfs-tools etcd-server etcd-client easy-rsa iproute2 prometheus", "setup: done"},
		wantCalls: []string{
			"apt-get install -y -qq squashfs-tools etcd-server etcd-client easy-rsa iproute2 prometheus",
			"systemctl disable --now etcd", "systemctl disable --now prometheus", "systemctl disable --now prometheus-node-exporter",
		},
	}, {
		name: "not root: the Go tools still install, then one line for the packages",
		m:    machine{uid: "1000", have: []string{"squashfs-tools", "etcd-server", "etcd-client", "easy-rsa", "iproute2"}, staticcheck: "staticcheck 2025.1 (0.6.0)"},
		// go install fails here (GOPROXY=off): it is tried before apt.
		wantCode: 1,
		wantLines: []string{
			"setup: installing staticcheck v0.8.2",
			"setup: cannot install staticcheck v0.8.2 (go install failed: offline?); install it with: go install honnef.co/go/tools/cmd/staticcheck@v0.8.2",
		},
		absentCalls: []string{"apt-get"},
	}, {
		name:     "without Go it stops before anything else, naming Go and the packages",
		m:        machine{uid: "0", noGo: true, have: []string{"squashfs-tools", "etcd-server", "etcd-client", "easy-rsa", "iproute2"}},
		wantCode: 1,
		wantLines: []string{
			"setup: missing Debian packages: prometheus; Go " + goModVersion(t) + " or later; install Go " + goModVersion(t) + " or later from https://go.dev/dl/ (then re-run make)",
		},
		absentCalls: []string{"apt-get"},
	}, {
		name:     "a Go tool that cannot be installed (offline) names go install",
		m:        machine{uid: "0", have: allDebs},
		wantCode: 1,
		wantLines: []string{
			"setup: installing staticcheck v0.8.2",
			"setup: cannot install staticcheck v0.8.2 (go install failed: offline?); install it with: go install honnef.co/go/tools/cmd/staticcheck@v0.8.2",
		},
		absentCalls: []string{"apt-get"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			m.setup(t)
			lines, code, calls := m.run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (output %q)", code, tt.wantCode, lines)
			}
			if tt.name == "apt-get failing (offline) stops with one line and the command" {
				// The last line names apt's log, a temp file.
				if len(lines) != 2 || !strings.HasPrefix(lines[1], "setup: cannot install Debian packages prometheus (apt-get failed: offline? see ") ||
					!strings.HasSuffix(lines[1], "); install them with: apt-get update && apt-get install -y prometheus") {
					t.Errorf("output %q", lines)
				}
				lines = lines[:1]
			}
			if strings.Join(lines, "\n") != strings.Join(tt.wantLines, "\n") {
				t.Errorf("output:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.wantLines, "\n"))
			}
			for _, c := range tt.wantCalls {
				if !strings.Contains(calls, c) {
					t.Errorf("calls %q lack %q", calls, c)
				}
			}
			for _, c := range tt.absentCalls {
				if strings.Contains(calls, c) {
					t.Errorf("calls %q include %q", calls, c)
				}
			}
		})
	}
}
