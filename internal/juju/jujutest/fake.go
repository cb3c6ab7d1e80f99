// Package jujutest provides a stateful in-memory fake of juju.Tools that
// keeps Juju's buffering rules, so handlers can be tested as
// state-in → event → state-out.
//
// The fake plays the unit agent too: a handler runs inside Run (or Hook),
// which opens a hook context and, when the hook ends, commits its buffered
// writes if it exited 0 and discards them otherwise (juju-hook-semantics.md
// §1.4). Buffered, as in Juju: relation-set, state-set/state-delete and
// open-port/close-port; reads inside the hook see its own pending relation
// and state writes, opened-ports lists committed ranges only. Immediate,
// surviving a failed hook: status-set, leader-set, application-version-set,
// juju-log and the action tools. The exported fields are the committed
// state: arrange them before a hook and assert on them after it.
package jujutest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/overlay"
)

// Relation is one relation as the unit under test sees it.
type Relation struct {
	Endpoint  string
	RemoteApp string // the own application for a peer relation
	// Units maps each remote unit in scope to its committed bag.
	Units map[string]map[string]string
	// AppData is the remote application's bag; LocalAppData the own
	// application's bag; LocalUnitData the unit's own bag (all committed).
	AppData       map[string]string
	LocalAppData  map[string]string
	LocalUnitData map[string]string
}

// Tools is a fake juju.Tools. Set its fields to arrange a scenario, run a
// handler with Run, then inspect the fields (and Calls) to assert. It is
// safe for concurrent use.
type Tools struct {
	mu sync.Mutex

	Unit       string
	Leader     bool
	Config     map[string]any
	Relations  map[string]*Relation // by id, "db:1"
	LeaderData map[string]string    // leader settings
	State      map[string]string
	Ports      []string                // committed, as opened-ports lists them
	Network    map[string]juju.Network // by binding
	Resources  map[string]string       // name → path; absent = no blob
	Storage    map[string]juju.Storage // by id

	// Status and AppStatus are the last status-set values; StatusHistory
	// every unit status set, in order.
	Status        juju.Status
	AppStatus     juju.Status
	StatusHistory []juju.Status
	Version       string

	// Action: params in, results out.
	ActionParams  map[string]any
	ActionResults map[string]string
	ActionFailed  string
	ActionLogs    []string
	Logs          []string

	// Fail makes the named tool fail with the given error.
	Fail map[string]error
	// Calls records every tool call as "tool arg..." strings.
	Calls []string

	// inHook is set while a hook runs; pending holds its buffered writes
	// and cache the remote bags it has read.
	inHook  bool
	pending overlay.Writes[string]
	cache   map[string]map[string]string
}

var _ juju.Tools = (*Tools)(nil)

// New returns a fake for unit with empty state.
func New(unit string) *Tools {
	return &Tools{
		Unit:       unit,
		Config:     map[string]any{},
		Relations:  map[string]*Relation{},
		LeaderData: map[string]string{},
		State:      map[string]string{},
		Network:    map[string]juju.Network{},
		Resources:  map[string]string{},
		Storage:    map[string]juju.Storage{},
		Fail:       map[string]error{},
	}
}

// AddRelation adds a relation with id and returns it for further setup.
func (t *Tools) AddRelation(id, remoteApp string) *Relation {
	t.mu.Lock()
	defer t.mu.Unlock()
	endpoint, _, _ := strings.Cut(id, ":")
	r := &Relation{
		Endpoint:      endpoint,
		RemoteApp:     remoteApp,
		Units:         map[string]map[string]string{},
		AppData:       map[string]string{},
		LocalAppData:  map[string]string{},
		LocalUnitData: map[string]string{},
	}
	t.Relations[id] = r
	return r
}

// errHookFailed is how Run tells Hook that the process exited non-zero.
var errHookFailed = errors.New("hook exited non-zero")

// Run runs h for ev as the unit agent does: juju.Run turns the handler's
// result into the exit code, and exit 0 commits the hook's buffered
// writes while any other code discards them.
func (t *Tools) Run(ctx context.Context, ev juju.Event, h juju.Handler, log io.Writer) int {
	code := juju.ExitError
	_ = t.Hook(func() error {
		code = juju.Run(ctx, ev, t, h, log)
		if code != juju.ExitOK {
			return errHookFailed
		}
		return nil
	})
	return code
}

// Hook runs fn as one hook: tool calls are only accepted while it runs,
// and its buffered writes are committed if fn returns nil and discarded
// otherwise. It returns fn's error. Hooks of one unit do not overlap.
func (t *Tools) Hook(fn func() error) error {
	t.mu.Lock()
	if t.inHook {
		t.mu.Unlock()
		panic("jujutest: a hook is already running on " + t.Unit)
	}
	t.inHook = true
	t.mu.Unlock()
	var err error
	defer func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.inHook = false
		t.cache = nil
		if err == nil {
			t.pending.Commit(committed{t})
		} else {
			t.pending.Discard()
		}
	}()
	err = fn()
	return err
}

// committed is the fake's committed data as an overlay.Store.
type committed struct{ t *Tools }

func (c committed) RelationBag(id string, app bool) map[string]string {
	r := c.t.Relations[id]
	switch {
	case r == nil:
		return nil
	case app && !c.t.Leader:
		return nil // leadership is checked again at commit
	case app:
		return r.LocalAppData
	}
	return r.LocalUnitData
}

func (committed) RelationChanged(string, bool) {}

func (c committed) State() map[string]string {
	if c.t.State == nil {
		c.t.State = map[string]string{}
	}
	return c.t.State
}

func (c committed) Ports() []overlay.Port {
	ports := make([]overlay.Port, 0, len(c.t.Ports))
	for _, s := range c.t.Ports {
		// A test arranging a port Juju would refuse is a broken test.
		p, err := overlay.ParsePort(s)
		if err != nil {
			panic(fmt.Sprintf("jujutest: Ports holds %q: %v", s, err))
		}
		ports = append(ports, p)
	}
	return ports
}

func (c committed) SetPorts(ports []overlay.Port) {
	c.t.Ports = c.t.Ports[:0:0]
	for _, p := range ports {
		c.t.Ports = append(c.t.Ports, p.String())
	}
}

// begin takes the lock (the caller unlocks) and records the call; it fails
// the call if the test made the tool fail or no hook is running (Juju's
// tools fail once their hook has ended).
func (t *Tools) begin(tool string, args ...string) error {
	t.mu.Lock()
	t.Calls = append(t.Calls, strings.TrimSpace(tool+" "+strings.Join(args, " ")))
	if !t.inHook {
		return &juju.ToolError{Tool: tool, Code: 1, Stderr: "ERROR jujutest: no hook is running: run the handler with Tools.Run or Tools.Hook\n"}
	}
	return t.Fail[tool]
}

func toolError(tool string, code int, msg string) error {
	return &juju.ToolError{Tool: tool, Code: code, Stderr: "ERROR " + msg + "\n"}
}

// ownApp is the unit's application name.
func (t *Tools) ownApp() string {
	app, _, _ := strings.Cut(t.Unit, "/")
	return app
}
