package agent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// JujuVersion is the agent version hooks see in JUJU_VERSION.
const JujuVersion = "3.6.4"

// SystemPath is the fixed PATH of a machine after the tools dir and the
// machine's own <root>/usr/bin (its snap, systemctl and journalctl, which
// must shadow the host's); the machine's <root>/snap/bin is appended
// (where snap apps live).
const SystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// EnvConfig is what a unit's hook environment is made from.
type EnvConfig struct {
	ModelUUID  string
	ModelName  string
	APIAddress string // host:17070
	Socket     string // the hook-tool socket
	MachineID  string
	Paths      Paths
}

// Env returns exactly the environment Juju gives a hook, action or exec
// command (§1.3; nothing inherited), plus SNAPPY_GLOBAL_ROOT.
func Env(cfg EnvConfig, contextID string, m *model.Model, op Op) []string {
	p := cfg.Paths
	hookName := ""
	if op.Kind == OpHook {
		hookName = HookName(op.Hook)
	}
	env := []string{
		"CHARM_DIR=" + p.Charm,
		"JUJU_CHARM_DIR=" + p.Charm,
		"JUJU_CONTEXT_ID=" + contextID,
		"JUJU_HOOK_NAME=" + hookName,
		"JUJU_AGENT_SOCKET_ADDRESS=" + cfg.Socket,
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"JUJU_UNIT_NAME=" + op.Unit,
		"JUJU_MODEL_UUID=" + cfg.ModelUUID,
		"JUJU_MODEL_NAME=" + cfg.ModelName,
		"JUJU_API_ADDRESSES=" + cfg.APIAddress,
		"JUJU_SLA=unsupported",
		"JUJU_MACHINE_ID=" + cfg.MachineID,
		"JUJU_PRINCIPAL_UNIT=",
		"JUJU_AVAILABILITY_ZONE=",
		"JUJU_VERSION=" + JujuVersion,
		"CLOUD_API_VERSION=",
		"JUJU_CHARM_HTTP_PROXY=",
		"JUJU_CHARM_HTTPS_PROXY=",
		"JUJU_CHARM_FTP_PROXY=",
		"JUJU_CHARM_NO_PROXY=",
		"PATH=" + p.Tools + ":" + filepath.Join(p.Root, "usr/bin") + ":" + SystemPath + ":" + filepath.Join(p.Root, "snap/bin"),
		"APT_LISTCHANGES_FRONTEND=none",
		"DEBIAN_FRONTEND=noninteractive",
		"LANG=C.UTF-8",
		"TERM=tmux-256color",
		"SNAPPY_GLOBAL_ROOT=" + p.Root,
	}
	h := op.Hook
	if op.Kind == OpHook && h.RelationID >= 0 {
		env = append(env,
			"JUJU_RELATION="+h.Endpoint,
			"JUJU_RELATION_ID="+h.Endpoint+":"+strconv.Itoa(h.RelationID),
			"JUJU_REMOTE_UNIT="+h.RemoteUnit,
			"JUJU_REMOTE_APP="+h.RemoteApp,
		)
		if h.Kind == RelationDeparted {
			env = append(env, "JUJU_DEPARTING_UNIT="+h.DepartingUnit)
		}
	}
	if op.Kind == OpHook && h.StorageID != "" {
		for _, s := range m.Units[op.Unit].Storage {
			if s.ID == h.StorageID {
				env = append(env, "JUJU_STORAGE_ID="+s.ID, "JUJU_STORAGE_LOCATION="+s.Location, "JUJU_STORAGE_KIND="+s.Kind)
			}
		}
	}
	switch op.Kind {
	case OpAction:
		a := m.Actions[op.ActionID]
		id := strconv.Itoa(a.ID)
		env = append(env, "JUJU_ACTION_NAME="+a.Name, "JUJU_ACTION_UUID="+id, "JUJU_ACTION_TAG=action-"+id)
		env = append(env, "JUJU_DISPATCH_PATH=actions/"+a.Name)
	case OpHook:
		env = append(env, "JUJU_DISPATCH_PATH=hooks/"+hookName)
	}
	return env
}

// Handler returns the file that runs op in charmDir (§1.2): dispatch if
// present, else hooks/<name> or actions/<name>; "" when there is none.
func Handler(charmDir string, m *model.Model, op Op) string {
	candidates := []string{filepath.Join(charmDir, "dispatch")}
	switch op.Kind {
	case OpHook:
		candidates = append(candidates, filepath.Join(charmDir, "hooks", HookName(op.Hook)))
	case OpAction:
		candidates = append(candidates, filepath.Join(charmDir, "actions", m.Actions[op.ActionID].Name))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	return ""
}

// Process is one hook, action or exec process.
type Process struct {
	Argv   []string // the command; prefixed with `ip netns exec NS` by the caller if isolated
	Env    []string
	Dir    string
	Stdin  []byte
	Logger string // unit.<unit>.<hook-name>
	// Line receives each output line, stdout and stderr alike at DEBUG:
	// Juju's runner points both at one pipe its hook logger writes with
	// Debugf (worker/uniter/runner/runner.go), so a charm's output is
	// hidden at the default logging-config and juju-log is what operators
	// see.
	Line func(level, logger, line string)
	// Capture keeps stdout and stderr (actions, exec).
	Capture bool
}

// Result is how a Process ended.
type Result struct {
	Code           int
	Stdout, Stderr []byte
}

// Run runs p to completion (no timeout, like Juju's hooks; ctx cancels).
// The process gets its own process group, killed as a whole on cancel.
func Run(ctx context.Context, p Process) (Result, error) {
	cmd := exec.Command(p.Argv[0], p.Argv[1:]...)
	cmd.Env = p.Env
	cmd.Dir = p.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A daemon a hook leaves behind may hold the output pipes open.
	cmd.WaitDelay = 3 * time.Second
	if p.Stdin != nil {
		cmd.Stdin = bytes.NewReader(p.Stdin)
	}
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	cmd.Stdout = outW
	cmd.Stderr = errW
	var res Result
	var wg sync.WaitGroup
	pump := func(r io.Reader, level string, buf *[]byte) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			line := sc.Text()
			if p.Line != nil {
				p.Line(level, p.Logger, line)
			}
			if p.Capture {
				*buf = append(*buf, line...)
				*buf = append(*buf, '\n')
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}
	wg.Add(2)
	go pump(outR, "DEBUG", &res.Stdout)
	go pump(errR, "DEBUG", &res.Stderr)
	if err := cmd.Start(); err != nil {
		outW.Close()
		errW.Close()
		wg.Wait()
		return res, fmt.Errorf("cannot start %s: %w", p.Argv[0], err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	outW.Close()
	errW.Close()
	wg.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
		if res.Code < 0 {
			res.Code = 128 + int(syscall.SIGKILL)
		}
	default:
		return res, fmt.Errorf("cannot run %s: %w", p.Argv[0], err)
	}
	return res, ctx.Err()
}

// Backoff is exported for tests: the retry delay after n failures.
func Backoff(first, max time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}
