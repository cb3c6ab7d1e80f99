package snapd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// logRecord is one journal entry as /v2/logs sends it (client.Log).
type logRecord struct {
	Timestamp time.Time `json:"timestamp"`
	Message   string    `json:"message"`
	SID       string    `json:"sid"`
	PID       string    `json:"pid"`
	unit      string
}

// logBook is the machine's journal for snap services: the last maxRecords
// records in memory for /v2/logs, and every record appended to
// <root>/var/log/snap.<snap>.<app>.log for people reading along.
type logBook struct {
	dir  string
	mu   sync.Mutex
	recs []logRecord
	subs map[chan logRecord]bool
}

const maxRecords = 20000

func newLogBook(dir string) *logBook {
	return &logBook{dir: dir, subs: map[chan logRecord]bool{}}
}

func (b *logBook) writer(unit string) *lineWriter { return &lineWriter{book: b, sid: unit} }

// add records a line of unit. pid 1 marks systemd's own messages about the
// unit, which the journal files under the identifier "systemd".
func (b *logBook) add(unit string, pid int, msg string) {
	rec := logRecord{Timestamp: time.Now().UTC(), Message: msg, SID: unit, PID: strconv.Itoa(pid), unit: unit}
	if pid == 1 {
		rec.SID = "systemd"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recs = append(b.recs, rec)
	if len(b.recs) > maxRecords {
		b.recs = append([]logRecord(nil), b.recs[len(b.recs)-maxRecords/2:]...)
	}
	for ch := range b.subs {
		select {
		case ch <- rec:
		default: // a slow follower loses lines rather than blocking services
		}
	}
	if f, err := os.OpenFile(filepath.Join(b.dir, "snap."+unit+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintf(f, "%s %s[%s]: %s\n", rec.Timestamp.Format(time.RFC3339Nano), rec.SID, rec.PID, msg)
		f.Close()
	}
}

// tail returns the last n records of units (n < 0: all) and, when follow
// is set, a channel of later ones; cancel releases it.
func (b *logBook) tail(units map[string]bool, n int, follow bool) ([]logRecord, chan logRecord, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []logRecord
	for i := len(b.recs) - 1; i >= 0 && (n < 0 || len(out) < n); i-- {
		if units[b.recs[i].unit] {
			out = append(out, b.recs[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if !follow {
		return out, nil, func() {}
	}
	ch := make(chan logRecord, 256)
	b.subs[ch] = true
	return out, ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, ch)
	}
}

// queryValue parses the query parameter key, or is def when it is absent;
// a value parse refuses is a bad request, as snapd answers it.
func queryValue[T any](q url.Values, key string, def T, parse func(string) (T, error)) (T, *apiError) {
	s := q.Get(key)
	if s == "" {
		return def, nil
	}
	v, err := parse(s)
	if err != nil {
		return def, badRequest("invalid value for %s: %q: %v", key, s, err)
	}
	return v, nil
}

// serveLogs is GET /v2/logs?names=…&n=N[&follow=true]: application/json-seq
// records (RFC 7464: RS, JSON, LF), not the usual envelope.
func (d *Daemon) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, aerr := queryValue(q, "n", 10, strconv.Atoi)
	if aerr != nil {
		errorReply(aerr).write(w, d.maintenance())
		return
	}
	follow, aerr := queryValue(q, "follow", false, strconv.ParseBool)
	if aerr != nil {
		errorReply(aerr).write(w, d.maintenance())
		return
	}
	d.mu.Lock()
	apps, aerr := d.resolveApps(splitNames(q.Get("names")), true, false)
	d.mu.Unlock()
	if aerr != nil {
		errorReply(aerr).write(w, d.maintenance())
		return
	}
	if len(apps) == 0 {
		errorReply(kindError(http.StatusNotFound, kindAppNotFound, nil, "no matching services")).write(w, d.maintenance())
		return
	}
	units := map[string]bool{}
	for _, a := range apps {
		units[serviceID(a.Snap, a.Name)] = true
	}
	recs, ch, cancel := d.logs.tail(units, n, follow)
	defer cancel()
	w.Header().Set("Content-Type", "application/json-seq")
	w.WriteHeader(http.StatusOK)
	send := func(rec logRecord) bool {
		data, _ := json.Marshal(rec)
		if _, err := w.Write(append(append([]byte{0x1E}, data...), '\n')); err != nil {
			return false
		}
		return true
	}
	for _, rec := range recs {
		if !send(rec) {
			return
		}
	}
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	if ch == nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-d.closed:
			return
		case rec := <-ch:
			if units[rec.unit] {
				if !send(rec) {
					return
				}
				if flusher != nil {
					flusher.Flush()
				}
			}
		}
	}
}
