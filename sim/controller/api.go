package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

// The CLI talks to the controller with JSON over HTTP on the unix socket
// <home>/controller.sock: POST /<method>, body = arguments, answer =
// result or {"error": "..."} with status 400.

// Request bodies of the API methods.
type (
	unitsArgs struct {
		Units []string
		Force bool
	}
	appArgs     struct{ App string }
	addUnitArgs struct {
		App         string
		N           int
		Constraints string
	}
	addStorageArgs struct{ Unit, Name, Directive string }
	relArgs        struct{ A, B string }
	configArgs     struct {
		App   string
		Set   map[string]string
		Reset []string
	}
	resourceArgs struct{ App, Name, Path string }
	execArgs     struct{ Unit, Command string }
	taskArgs     struct{ ID int }
	resolvedArgs struct {
		Unit    string
		NoRetry bool
	}
	faultArgs struct {
		Unit string
		Cut  bool
	}
	signalArgs  struct{ Target, Service, Signal string }
	machineArgs struct{ Target string }
)

// StatusResult is the status API answer.
type StatusResult struct {
	Status  status.Status     `json:"status"`
	Rows    []status.Relation `json:"rows"`
	Settled bool              `json:"settled"`
	Errors  []string          `json:"errors"` // units in hook error
}

func handle[A, R any](f func(A) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var args A
		if err := json.NewDecoder(r.Body).Decode(&args); err != nil && !errors.Is(err, io.EOF) {
			writeErr(w, fmt.Errorf("bad request: %w", err))
			return
		}
		res, err := f(args)
		if err != nil {
			writeErr(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	}
}

func writeErr(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

type none struct{}

func (c *Controller) apiHandler() http.Handler {
	mux := http.NewServeMux()
	ok := func(err error) (none, error) { return none{}, err }
	mux.Handle("/deploy", handle(func(a DeployArgs) (none, error) { return ok(c.Deploy(a)) }))
	mux.Handle("/add-unit", handle(func(a addUnitArgs) (none, error) { return ok(c.AddUnit(a.App, a.N, a.Constraints)) }))
	mux.Handle("/add-storage", handle(func(a addStorageArgs) ([]string, error) { return c.AddStorage(a.Unit, a.Name, a.Directive) }))
	mux.Handle("/remove-unit", handle(func(a unitsArgs) (none, error) { return ok(c.RemoveUnits(a.Units, a.Force)) }))
	mux.Handle("/remove-application", handle(func(a appArgs) (none, error) { return ok(c.RemoveApplication(a.App)) }))
	mux.Handle("/integrate", handle(func(a relArgs) (none, error) { return ok(c.Integrate(a.A, a.B)) }))
	mux.Handle("/remove-relation", handle(func(a relArgs) (none, error) { return ok(c.RemoveRelation(a.A, a.B)) }))
	mux.Handle("/config", handle(func(a configArgs) (ConfigResult, error) { return c.Config(a.App, a.Set, a.Reset...) }))
	mux.Handle("/attach-resource", handle(func(a resourceArgs) (none, error) { return ok(c.AttachResource(a.App, a.Name, a.Path)) }))
	mux.Handle("/refresh", handle(func(a RefreshArgs) (none, error) { return ok(c.Refresh(a)) }))
	mux.Handle("/run", handle(func(a RunArgs) (RunResult, error) { return c.Run(a) }))
	mux.Handle("/exec", handle(func(a execArgs) (RunResult, error) { return c.Exec(a.Unit, a.Command) }))
	mux.Handle("/task", handle(func(a taskArgs) (model.Action, error) { return c.Task(a.ID) }))
	mux.Handle("/machine", handle(func(a execArgs) (model.Machine, error) { return c.UnitMachine(a.Unit) }))
	mux.Handle("/fault", handle(func(a faultArgs) (none, error) { return ok(c.Fault(a.Unit, a.Cut)) }))
	mux.Handle("/signal", handle(func(a signalArgs) (int, error) { return c.Signal(a.Target, a.Service, a.Signal) }))
	mux.Handle("/reboot", handle(func(a machineArgs) (none, error) { return ok(c.Reboot(a.Target)) }))
	mux.Handle("/poweroff", handle(func(a machineArgs) (none, error) { return ok(c.PowerOff(a.Target)) }))
	mux.Handle("/resolved", handle(func(a resolvedArgs) (none, error) { return ok(c.Resolved(a.Unit, a.NoRetry)) }))
	mux.Handle("/status-history", handle(func(a execArgs) ([]model.StatusInfo, error) { return c.StatusHistory(a.Unit) }))
	mux.Handle("/model-config", handle(func(a modelConfigArgs) (ModelConfigResult, error) { return c.ModelConfig(a.Set, a.Reset) }))
	mux.Handle("/status", handle(func(none) (StatusResult, error) { return c.Status(), nil }))
	mux.Handle("/operation", handle(func(a OperationArgs) (OperationResult, error) { return c.Operation(a) }))
	mux.Handle("/show-unit", handle(func(a execArgs) (UnitInfo, error) { return c.ShowUnit(a.Unit) }))
	mux.Handle("/wait-state", handle(func(none) (WaitState, error) { return c.WaitState(), nil }))
	mux.Handle("/destroy", handle(func(none) (none, error) {
		go func() {
			time.Sleep(100 * time.Millisecond) // let the answer go out
			_ = c.Destroy()
			if c.OnDestroyed != nil {
				c.OnDestroyed()
			}
		}()
		return none{}, nil
	}))
	return mux
}

// Status returns the formatted status and whether the model has settled.
func (c *Controller) Status() StatusResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := status.Build(c.model, c.now())
	res := StatusResult{Status: s, Rows: s.RelationRows, Settled: c.settled}
	for _, n := range c.model.UnitNames() {
		if u := c.model.Units[n]; u.Agent.Status == "error" {
			res.Errors = append(res.Errors, n+": "+u.Agent.Message)
		}
	}
	return res
}

// Client calls a controller's API.
type Client struct {
	Home string
	http *http.Client
}

// NewClient returns a client for the controller under home.
func NewClient(home string) *Client {
	sock := filepath.Join(home, APISocket)
	return &Client{Home: home, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}}
}

// ErrNoController is returned when nothing listens on the socket.
var ErrNoController = errors.New("no controller running (run `jujusim bootstrap` first)")

// Call invokes method with args and decodes the answer into result.
func (cl *Client) Call(method string, args, result any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	resp, err := cl.http.Post("http://jujusim/"+method, "application/json", bytesReader(body))
	if err != nil {
		var ne *net.OpError
		if errors.As(err, &ne) {
			return ErrNoController
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("controller answered %s", resp.Status)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(data, result)
}
