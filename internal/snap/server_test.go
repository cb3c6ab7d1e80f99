package snap

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSnapd is a scripted snapd on a unix socket: each "METHOD /path"
// answers with its queued replies in order (the last one repeats) and
// every request is recorded as "METHOD /path?query body".
type fakeSnapd struct {
	mu      sync.Mutex
	replies map[string][]reply
	reqs    []string
	socket  string
	srv     *httptest.Server
}

type reply struct {
	status int
	body   string
}

func newFakeSnapd(t *testing.T, replies map[string][]reply) *fakeSnapd {
	t.Helper()
	f := &fakeSnapd{replies: replies, socket: filepath.Join(t.TempDir(), "snapd.socket")}
	if err := f.up(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.down)
	return f
}

// up starts serving on the socket.
func (f *fakeSnapd) up() error {
	l, err := net.Listen("unix", f.socket)
	if err != nil {
		return err
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	return nil
}

// down stops serving (as snapd does while it restarts); the socket file
// goes with the listener.
func (f *fakeSnapd) down() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (f *fakeSnapd) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	req := key
	if r.URL.RawQuery != "" {
		req += "?" + r.URL.RawQuery
	}
	if len(body) > 0 {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			req += " multipart"
		} else {
			req += " " + strings.TrimSpace(string(body))
		}
	}
	f.reqs = append(f.reqs, req)
	q := f.replies[key]
	var rep reply
	switch len(q) {
	case 0:
		rep = reply{404, errBody(404, "", "not found", nil)}
	case 1:
		rep = q[0]
	default:
		rep, f.replies[key] = q[0], q[1:]
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fakeSnapd) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// syncReply is snapd's sync envelope around result.
func syncReply(result any) reply {
	return reply{200, mustJSON(map[string]any{"type": "sync", "status-code": 200, "status": "OK", "result": result})}
}

// asyncReply is a 202 accepting a change.
func asyncReply(change string) reply {
	return reply{202, mustJSON(map[string]any{"type": "async", "status-code": 202, "status": "Accepted", "result": nil, "change": change})}
}

func errBody(status int, kind, msg string, value any) string {
	result := map[string]any{"message": msg}
	if kind != "" {
		result["kind"] = kind
	}
	if value != nil {
		result["value"] = value
	}
	return mustJSON(map[string]any{"type": "error", "status-code": status, "status": http.StatusText(status), "result": result})
}

func errReply(status int, kind, msg string, value any) reply {
	return reply{status, errBody(status, kind, msg, value)}
}

// changeReply is GET /v2/changes/{id} in status ("Doing", "Done",
// "Error" with errText).
func changeReply(id, status, errText string) reply {
	ready := status == "Done" || status == "Error" || status == "Undone" || status == "Hold"
	chg := map[string]any{
		"id": id, "kind": "install-snap", "summary": `Install "etcd" snap`, "status": status, "ready": ready,
		"spawn-time": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
	}
	if ready {
		chg["ready-time"] = time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC).Format(time.RFC3339)
	}
	if errText != "" {
		chg["err"] = errText
	}
	return syncReply(chg)
}
