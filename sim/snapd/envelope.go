package snapd

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error kinds the real client knows (client/errors.go). The fake only sends
// the ones an etcd charm can meet.
const (
	kindSnapNotFound          = "snap-not-found"
	kindSnapAlreadyInstalled  = "snap-already-installed"
	kindSnapNotInstalled      = "snap-not-installed"
	kindNoUpdateAvailable     = "snap-no-update-available"
	kindSnapLocal             = "snap-local"
	kindChannelNotAvailable   = "snap-channel-not-available"
	kindRevisionNotAvailable  = "snap-revision-not-available"
	kindChangeConflict        = "snap-change-conflict"
	kindOptionNotFound        = "option-not-found"
	kindAppNotFound           = "app-not-found"
	kindInterfacesUnchanged   = "interfaces-unchanged"
	maintenanceDaemonRestart  = "daemon-restart"
	maintenanceSystemRestart  = "system-restart"
	defaultMaintenanceMessage = "daemon is restarting"
)

// apiError is an error reply: snapd's errorResult with the HTTP status it
// goes with. Handlers return it; the router writes it.
type apiError struct {
	status  int
	Message string `json:"message"`
	Kind    string `json:"kind,omitempty"`
	Value   any    `json:"value,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func badRequest(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, Message: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) *apiError {
	return &apiError{status: http.StatusNotFound, Message: fmt.Sprintf(format, a...)}
}

func internalError(format string, a ...any) *apiError {
	return &apiError{status: http.StatusInternalServerError, Message: fmt.Sprintf(format, a...)}
}

func kindError(status int, kind string, value any, format string, a ...any) *apiError {
	return &apiError{status: status, Kind: kind, Value: value, Message: fmt.Sprintf(format, a...)}
}

// errSnapNotInstalledGET is what GET /v2/snaps/{name} answers for a snap
// that is not installed: kind snap-not-found, not snap-not-installed.
func errSnapNotInstalledGET(name string) *apiError {
	return kindError(http.StatusNotFound, kindSnapNotFound, name, "snap not installed")
}

func errSnapNotInstalled(name string) *apiError {
	return kindError(http.StatusBadRequest, kindSnapNotInstalled, name, "snap %q is not installed", name)
}

func errConflict(name, changeKind string) *apiError {
	return kindError(http.StatusConflict, kindChangeConflict,
		map[string]string{"snap-name": name, "change-kind": changeKind},
		"snap %q has %q change in progress", name, changeKind)
}

// maintenance is the optional top-level "maintenance" member.
type maintenance struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// envelope is every JSON reply snapd writes (daemon/response.go respJSON).
type envelope struct {
	Type        string       `json:"type"`
	StatusCode  int          `json:"status-code"`
	Status      string       `json:"status"`
	Result      any          `json:"result"`
	Change      string       `json:"change,omitempty"`
	Sources     []string     `json:"sources,omitempty"`
	Maintenance *maintenance `json:"maintenance,omitempty"`
}

// reply is what a handler produces: a sync result, an async change id or an
// error. Exactly one of the three shapes is used.
type reply struct {
	result  any
	change  string
	sources []string
	err     *apiError
}

func syncReply(result any) reply           { return reply{result: result} }
func asyncReply(changeID string) reply     { return reply{change: changeID} }
func errorReply(err *apiError) reply       { return reply{err: err} }
func sourcesReply(r any, src string) reply { return reply{result: r, sources: []string{src}} }

// write sends r with the HTTP status equal to status-code, as the real
// daemon does. Async replies are 202 with a top-level change id: the client
// rejects anything else.
func (r reply) write(w http.ResponseWriter, m *maintenance) {
	env := envelope{Maintenance: m}
	switch {
	case r.err != nil:
		env.Type = "error"
		env.StatusCode = r.err.status
		env.Result = r.err
	case r.change != "":
		env.Type = "async"
		env.StatusCode = http.StatusAccepted
		env.Change = r.change
	default:
		env.Type = "sync"
		env.StatusCode = http.StatusOK
		env.Result = r.result
		env.Sources = r.sources
	}
	env.Status = http.StatusText(env.StatusCode)
	body, err := json.Marshal(env)
	if err != nil {
		env = envelope{Type: "error", StatusCode: 500, Status: http.StatusText(500),
			Result: internalError("cannot marshal response: %v", err)}
		body, _ = json.Marshal(env)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(env.StatusCode)
	_, _ = w.Write(body)
}
