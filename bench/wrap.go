package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/fsutil"
)

// The hook-latency figures come from a wrapper installed as the charm's
// dispatch: Juju (and jujusim) run <charm>/dispatch for every hook and
// action, so the wrapper sees exactly the processes the unit agent starts.
// It runs the real charm binary (dispatch.real) as a child, with the same
// argv, environment, cwd and stdio, and records the child's wall time and
// peak RSS (getrusage of the child alone, so the wrapper's own memory is not
// counted). What it does not see is jujusim's cost of setting up the hook
// (context, environment, process start), which is measured separately.

// RealDispatch is the name the charm binary gets next to the wrapper.
const RealDispatch = "dispatch.real"

// HookLogPath is where the wrapper appends its records, inside the unit's
// machine root (hooks get SNAPPY_GLOBAL_ROOT, nothing else is inherited).
const HookLogPath = "var/log/etcdbench-hooks.jsonl"

// HookRecord is one run of the charm binary.
type HookRecord struct {
	Unit     string `json:"unit"`
	Dispatch string `json:"dispatch"` // JUJU_DISPATCH_PATH: hooks/install, actions/health
	Start    int64  `json:"start"`    // unix ns
	WallNS   int64  `json:"wall_ns"`
	MaxRSSKB int64  `json:"maxrss_kb"`
	Code     int    `json:"code"`
	Exec     bool   `json:"exec"` // started by the benchmark through jujusim exec
	// Counted runs put a shim before the hook tools and count the charm's
	// tool calls; they are slower and kept out of the timings.
	Counted   bool `json:"counted,omitempty"`
	ToolCalls int  `json:"tool_calls,omitempty"`
	// Log is the charm's own output (its stdout, which Juju logs at
	// DEBUG), each line with its time from the run's start: the scale-out
	// chain reads what a hook waited for from it.
	Log []string `json:"log,omitempty"`
}

// CountFlagPath, when the file exists in a machine's root, makes the
// wrapper count the charm's hook-tool calls instead of timing the run.
const CountFlagPath = "var/log/etcdbench-count"

// Environment of a counted run: the real tools directory, and the file
// each shimmed tool call appends a line to.
const (
	envRealTools = "ETCDBENCH_TOOLS"
	envToolCount = "ETCDBENCH_TOOLCOUNT"
)

// IsToolShim reports whether this process was started as a hook tool in a
// counted run.
func IsToolShim(argv0 string) bool {
	return os.Getenv(envRealTools) != "" && filepath.Base(argv0) != "dispatch"
}

// ToolShim counts one hook-tool call and becomes the real tool.
func ToolShim(args []string) error {
	if f, err := os.OpenFile(os.Getenv(envToolCount), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
		_, _ = f.WriteString(filepath.Base(args[0]) + "\n")
		f.Close()
	}
	real := filepath.Join(os.Getenv(envRealTools), filepath.Base(args[0]))
	return syscall.Exec(real, append([]string{real}, args[1:]...), os.Environ())
}

// shimTools makes a directory of links to self named like every hook tool
// in the first PATH entry (where Juju puts them) and returns the
// environment changes a counted run needs.
func shimTools(self string) (dir string, env []string, err error) {
	toolsDir := strings.SplitN(os.Getenv("PATH"), ":", 2)[0]
	entries, err := os.ReadDir(toolsDir)
	if err != nil {
		return "", nil, fmt.Errorf("cannot list the hook tools: %w", err)
	}
	if dir, err = os.MkdirTemp("", "etcdbench-shim-"); err != nil {
		return "", nil, err
	}
	for _, e := range entries {
		if err := os.Symlink(self, filepath.Join(dir, e.Name())); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
	}
	env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), envRealTools+"="+toolsDir, envToolCount+"="+filepath.Join(dir, "calls"))
	return dir, env, nil
}

// Wall is the record's wall time.
func (r HookRecord) Wall() time.Duration { return time.Duration(r.WallNS) }

// IsWrapperInvocation reports whether this process was started as a
// charm's dispatch (the wrapper mode of the benchmark binary).
func IsWrapperInvocation(argv0 string) bool {
	return filepath.Base(argv0) == "dispatch"
}

// Wrap runs the real charm binary beside the wrapper and logs its cost. It
// returns the exit code the wrapper must exit with.
func Wrap(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "etcdbench wrapper: cannot find itself: %v\n", err)
		return 1
	}
	return wrap(self, filepath.Join(filepath.Dir(self), RealDispatch), args, stdin, stdout, stderr)
}

// wrap runs real; self is what the tool shims link to.
func wrap(self, real string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(real)
	cmd.Args = append([]string{args[0]}, args[1:]...)
	lines := &timedLines{w: stdout}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, lines, stderr
	if stderr == stdout {
		cmd.Stderr = lines // one writer, as exec.Cmd does for the same one
	}
	root := os.Getenv("SNAPPY_GLOBAL_ROOT")
	if root == "" {
		root = "/"
	}
	var shimDir string
	if _, err := os.Stat(filepath.Join(root, CountFlagPath)); err == nil {
		var env []string
		if shimDir, env, err = shimTools(self); err != nil {
			fmt.Fprintf(stderr, "etcdbench wrapper: %v\n", err)
			return 1
		}
		defer os.RemoveAll(shimDir)
		cmd.Env = env
	}
	start := time.Now()
	lines.start = start
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		fmt.Fprintf(stderr, "etcdbench wrapper: cannot run %s: %v\n", real, err)
		return 1
	}
	rec := HookRecord{
		Unit:     os.Getenv("JUJU_UNIT_NAME"),
		Dispatch: os.Getenv("JUJU_DISPATCH_PATH"),
		Start:    start.UnixNano(),
		WallNS:   int64(wall),
		Code:     code,
		Exec:     os.Getenv("ETCDBENCH_EXEC") != "",
		Log:      lines.lines,
	}
	if shimDir != "" {
		rec.Counted = true
		b, _ := os.ReadFile(filepath.Join(shimDir, "calls"))
		rec.ToolCalls = strings.Count(string(b), "\n")
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rec.MaxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	if err := appendRecord(rec); err != nil {
		fmt.Fprintf(stderr, "etcdbench wrapper: %v\n", err)
	}
	return code
}

// timedLines passes output on and keeps its first lines, each prefixed
// with its time since start.
type timedLines struct {
	w     io.Writer
	start time.Time
	part  []byte
	lines []string
}

const maxLoggedLines = 40

func (t *timedLines) Write(p []byte) (int, error) {
	at := time.Since(t.start)
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		if len(t.lines) < maxLoggedLines {
			t.lines = append(t.lines, fmt.Sprintf("+%.3f %s", at.Seconds(), t.part[:i]))
		}
		t.part = t.part[i+1:]
	}
	return t.w.Write(p)
}

func appendRecord(rec HookRecord) error {
	root := os.Getenv("SNAPPY_GLOBAL_ROOT")
	if root == "" {
		root = "/"
	}
	path := filepath.Join(root, HookLogPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the hook log directory: %w", err)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open the hook log: %w", err)
	}
	defer f.Close()
	_, err = f.Write(append(b, '\n'))
	return err
}

// WrapCharm copies the unpacked charm in src to dst with self (a static
// build of this program) as dispatch and the real charm binary renamed.
func WrapCharm(src, dst, self string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("cannot read the unpacked charm: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		if name == "dispatch" {
			name = RealDispatch
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, name)); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(dst, RealDispatch)); err != nil {
		return fmt.Errorf("cannot wrap the charm: %s has no dispatch", src)
	}
	return copyFile(self, filepath.Join(dst, "dispatch"))
}

// copyFile copies src to dst with src's mode.
func copyFile(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := fsutil.CopyFile(src, dst, st.Mode().Perm(), fsutil.Options{}); err != nil {
		return fmt.Errorf("cannot copy %s: %w", src, err)
	}
	return nil
}

// ReadHookRecords reads every unit machine's wrapper log in a jujusim home.
func ReadHookRecords(home string) ([]HookRecord, error) {
	paths, err := filepath.Glob(filepath.Join(home, "machines", "*", "root", HookLogPath))
	if err != nil {
		return nil, err
	}
	var out []HookRecord
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytesReader(b))
		for dec.More() {
			var r HookRecord
			if err := dec.Decode(&r); err != nil {
				return nil, fmt.Errorf("cannot parse %s: %w", p, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}
