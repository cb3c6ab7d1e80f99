package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
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
}

// Wall is the record's wall time.
func (r HookRecord) Wall() time.Duration { return time.Duration(r.WallNS) }

// IsWrapperInvocation reports whether this process was started as a
// charm's dispatch (the wrapper mode of the benchmark binary).
func IsWrapperInvocation(argv0 string) bool {
	return filepath.Base(argv0) == "dispatch"
}

// Wrap runs the real charm binary and logs its cost. It returns the exit
// code the wrapper must exit with.
func Wrap(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "etcdbench wrapper: cannot find itself: %v\n", err)
		return 1
	}
	real := filepath.Join(filepath.Dir(self), RealDispatch)
	cmd := exec.Command(real)
	cmd.Args = append([]string{args[0]}, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	start := time.Now()
	err = cmd.Run()
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
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rec.MaxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	if err := appendRecord(rec); err != nil {
		fmt.Fprintf(stderr, "etcdbench wrapper: %v\n", err)
	}
	return code
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

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("cannot copy %s: %w", src, err)
	}
	return out.Close()
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
