package jujuc

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/etcd-charm/etcd-charm/sim/jujuc/wire"
	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// factories builds each hook tool from its base (the Context and the name it
// was run as; help holds each name's usage text). Every tool is a
// juju/cmd Command run through cmd.Main, exactly as Juju's unit agent runs
// them, so flag parsing (gnuflag), help (-h/--help on stdout, exit 0), error
// output ("ERROR <msg>\n" on stderr) and exit codes (2 for flag and Init
// errors, 1 for Run errors) come from the same libraries.
var factories = map[string]func(base) cmd.Command{
	"relation-get":            newRelationGet,
	"relation-set":            newRelationSet,
	"relation-ids":            newRelationIDs,
	"relation-list":           newRelationList,
	"config-get":              newConfigGet,
	"status-set":              newStatusSet,
	"status-get":              newStatusGet,
	"application-version-set": newApplicationVersionSet,
	"is-leader":               newIsLeader,
	"leader-get":              newLeaderGet,
	"leader-set":              newLeaderSet,
	"open-port":               newPortCommand,
	"close-port":              newPortCommand,
	"opened-ports":            newOpenedPorts,
	"unit-get":                newUnitGet,
	"network-get":             newNetworkGet,
	"action-get":              newActionGet,
	"action-set":              newActionSet,
	"action-fail":             newActionFail,
	"action-log":              newActionLog,
	"juju-log":                newJujuLog,
	"resource-get":            newResourceGet,
	"storage-get":             newStorageGet,
	"storage-list":            newStorageList,
	"state-get":               newStateGet,
	"state-set":               newStateSet,
	"state-delete":            newStateDelete,
}

// ToolNames lists every hook tool jujusim serves, sorted; InstallTools
// creates one symlink per name.
var ToolNames = slices.Sorted(maps.Keys(factories))

// ErrNoStdin is what a tool gets when it reads stdin that the client did not
// send. Over the wire it becomes an RPC error with this text, upon which the
// client reads its stdin and retries (Juju's protocol).
var ErrNoStdin = errors.New(wire.NoStdinMessage)

type noStdin struct{}

func (noStdin) Read([]byte) (int, error) { return 0, ErrNoStdin }

// mainMu guards gnuflag's package-level ErrHelp, which gnuflag reassigns
// whenever it parses an undefined -h/--help and juju/cmd reads on every
// call: invocations that may ask for help run alone, all others run
// concurrently (tools of different units must not wait for each other).
var mainMu sync.RWMutex

// mayAskHelp over-approximates "gnuflag will parse -h or --help": any flag
// argument (before "--") containing an h.
func mayAskHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if strings.HasPrefix(a, "-") && strings.Contains(a, "h") {
			return true
		}
	}
	return false
}

// Run runs one tool invocation against ctx and returns what the tool binary
// must reproduce. A tool that reads stdin it was not given fails with
// ErrNoStdin's text (the Server instead asks the client to resend).
func Run(ctx Context, req Request) Response {
	resp, _ := run(ctx, req)
	return resp
}

// run reports whether the command failed because it wanted stdin.
// A panic in a Context method fails only that tool call (exit 1), not the
// whole simulator.
func run(ctx Context, req Request) (resp Response, wantStdin bool) {
	factory := factories[req.CommandName]
	if factory == nil {
		return errorResponse(fmt.Errorf("unknown command: %s", req.CommandName)), false
	}
	var stdout, stderr bytes.Buffer
	cctx := &cmd.Context{Dir: req.Dir, Stdin: noStdin{}, Stdout: &stdout, Stderr: &stderr}
	if req.StdinSet {
		cctx.Stdin = bytes.NewReader(req.Stdin)
	}
	w := &recorder{Command: factory(base{ctx: ctx, name: req.CommandName})}
	lock, unlock := mainMu.RLock, mainMu.RUnlock
	if mayAskHelp(req.Args) {
		lock, unlock = mainMu.Lock, mainMu.Unlock
	}
	lock()
	defer unlock()
	defer func() {
		if p := recover(); p != nil {
			resp, wantStdin = errorResponse(fmt.Errorf("hook tool %s panicked: %v", req.CommandName, p)), false
		}
	}()
	code := cmd.Main(w, cctx, req.Args)
	return Response{Code: code, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, errors.Is(w.err, ErrNoStdin)
}

func errorResponse(err error) Response {
	return Response{Code: 1, Stderr: []byte("ERROR " + err.Error() + "\n")}
}

// recorder keeps the Run error so run can tell a missing stdin apart.
type recorder struct {
	cmd.Command
	err error
}

func (r *recorder) Run(ctx *cmd.Context) error {
	r.err = r.Command.Run(ctx)
	return r.err
}

// base is embedded by every tool; it holds the Context and the tool's name,
// and gives the tool its Info (help.go).
type base struct {
	cmd.CommandBase
	ctx  Context
	name string
}

// relationIDValue is the -r/--relation flag. Like Juju's, only the text
// after the last ':' counts ("db:3", "3" and "x:3" are all relation 3), the
// relation must be one this unit is in, and its default is the relation of
// the current relation hook (-1 when there is none).
type relationIDValue struct {
	ctx  Context
	id   *int
	text string
}

func newRelationIDValue(ctx Context, id *int) *relationIDValue {
	v := &relationIDValue{ctx: ctx, id: id}
	*id = -1
	if rid, ok := ctx.HookRelationID(); ok {
		*id = rid
		v.text = strconv.Itoa(rid)
	}
	return v
}

func (v *relationIDValue) Set(s string) error {
	trimmed := s
	if i := strings.LastIndex(trimmed, ":"); i >= 0 {
		trimmed = trimmed[i+1:]
	}
	id, err := strconv.Atoi(trimmed)
	if err != nil {
		return errors.New("invalid relation id")
	}
	if _, err := v.ctx.RelationEndpoint(id); err != nil {
		return err
	}
	*v.id = id
	v.text = s
	return nil
}

func (v *relationIDValue) String() string { return v.text }

// addRelationFlag adds -r and its long form --relation, both setting id.
func addRelationFlag(f *gnuflag.FlagSet, ctx Context, id *int, usage string) {
	rv := newRelationIDValue(ctx, id)
	f.Var(rv, "r", usage)
	f.Var(rv, "relation", "")
}

// outputTool is the base of the tools that print what they read: out
// takes juju/cmd's output flags, --format (smart|yaml|json, default smart)
// and -o/--output. A tool with more flags calls its SetFlags first.
type outputTool struct {
	base
	out cmd.Output
}

func (c *outputTool) SetFlags(f *gnuflag.FlagSet) {
	c.out.AddFlags(f, "smart", cmd.DefaultFormatters.Formatters())
}

// oneArg is the one argument a tool requires: missing is the error
// without it, and more is juju/cmd's unrecognized-arguments error.
func oneArg(args []string, missing string) (string, error) {
	if len(args) == 0 {
		return "", errors.New(missing)
	}
	return args[0], cmd.CheckEmpty(args[1:])
}

// writeSettings prints a settings bag as leader-get and relation-get do:
// with no key the whole bag (an empty one as {}, never null), else the
// key's value, or null when the bag has no such key.
func writeSettings(ctx *cmd.Context, out *cmd.Output, settings map[string]string, key string) error {
	if key == "" {
		if settings == nil {
			settings = map[string]string{}
		}
		return out.Write(ctx, settings)
	}
	if value, ok := settings[key]; ok {
		return out.Write(ctx, value)
	}
	return out.Write(ctx, nil)
}

// appName is the application of a unit name ("etcd/0" → "etcd").
func appName(unit string) string {
	if i := strings.Index(unit, "/"); i >= 0 {
		return unit[:i]
	}
	return unit
}

// absDir reports whether a request directory is usable: Juju rejects
// relative ones as a bad request.
func absDir(dir string) bool { return filepath.IsAbs(dir) }
