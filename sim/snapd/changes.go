package snapd

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Change and task statuses (overlord/state/change.go). ready is true exactly
// for Done, Undone, Hold and Error.
const (
	statusHold   = "Hold"
	statusDo     = "Do"
	statusDoing  = "Doing"
	statusDone   = "Done"
	statusUndone = "Undone"
	statusError  = "Error"
)

func isReady(status string) bool {
	switch status {
	case statusDone, statusUndone, statusHold, statusError:
		return true
	}
	return false
}

// task is one step of a change. run does the work; it is called by the
// change runner without the daemon lock held.
type task struct {
	id, kind, summary string
	status            string
	log               []string
	spawn, ready      time.Time
	run               func(ctx context.Context) error
}

// change is snapd's unit of asynchronous work. Its tasks run in order on the
// daemon's single runner goroutine (snapd serialises conflicting work the
// same way). A change that has finished is still reported as Doing until it
// has been polled minPolls times or settle has passed since it was spawned,
// so clients exercise their polling loop (Do → Doing → Done) without a
// client that never polls seeing it stuck forever.
type change struct {
	id, kind, summary string
	snapNames         []string
	data              map[string]any
	tasks             []*task
	spawn, ready      time.Time
	status            string // internal: Do, Doing, Done, Error, Hold
	err               string
	polls             int
	extraDelay        time.Duration // the slow-change fault
	failWith          string        // the fail-next fault: first task fails
	aborted           bool
}

// visibleStatus is the status a client sees now.
func (c *change) visibleStatus(d *Daemon, now time.Time) string {
	if !isReady(c.status) {
		if c.status == statusDo && c.polls == 0 {
			return statusDo
		}
		if c.status == statusHold {
			return statusHold
		}
		return statusDoing
	}
	if c.aborted || c.polls >= d.cfg.MinPolls || now.Sub(c.spawn) >= d.cfg.Settle {
		return c.status
	}
	return statusDoing
}

type progressInfo struct {
	Label string `json:"label"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

type taskInfo struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"`
	Summary   string       `json:"summary"`
	Status    string       `json:"status"`
	Log       []string     `json:"log,omitempty"`
	Progress  progressInfo `json:"progress"`
	SpawnTime time.Time    `json:"spawn-time"`
	ReadyTime *time.Time   `json:"ready-time,omitempty"`
}

// changeInfo is the JSON of GET /v2/changes/{id}. Times are RFC 3339 or
// omitted: an empty string breaks the client's decoder.
type changeInfo struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Summary   string         `json:"summary"`
	Status    string         `json:"status"`
	Ready     bool           `json:"ready"`
	Err       string         `json:"err,omitempty"`
	SpawnTime time.Time      `json:"spawn-time"`
	ReadyTime *time.Time     `json:"ready-time,omitempty"`
	Tasks     []taskInfo     `json:"tasks,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// info renders c as the client sees it now. Called with d.mu held.
func (c *change) info(d *Daemon, now time.Time) changeInfo {
	status := c.visibleStatus(d, now)
	ci := changeInfo{ID: c.id, Kind: c.kind, Summary: c.summary, Status: status,
		Ready: isReady(status), SpawnTime: c.spawn, Data: c.data}
	if ci.Ready {
		ci.Err = c.err
		rt := c.ready
		ci.ReadyTime = &rt
	}
	for i, t := range c.tasks {
		ti := taskInfo{ID: t.id, Kind: t.kind, Summary: t.summary, Status: t.status,
			Log: t.log, Progress: progressInfo{Total: 1}, SpawnTime: t.spawn}
		if !ci.Ready && isReady(c.status) && i == len(c.tasks)-1 {
			// Held back for polling: the last task still looks busy.
			ti.Status = statusDoing
		}
		if isReady(ti.Status) {
			ti.Progress.Done = 1
			if !t.ready.IsZero() {
				rt := t.ready
				ti.ReadyTime = &rt
			}
		}
		ci.Tasks = append(ci.Tasks, ti)
	}
	return ci
}

// newTask makes a task in status Do.
func (d *Daemon) newTask(kind, summary string, run func(context.Context) error) *task {
	d.lastID++
	return &task{id: strconv.Itoa(d.lastID), kind: kind, summary: summary, status: statusDo,
		spawn: time.Now(), run: run}
}

// conflictFor returns the snap-change-conflict error when one of names has a
// change a client would still see in progress, or when the conflict-next
// fault is armed. Called with d.mu held.
func (d *Daemon) conflictFor(names []string) *apiError {
	if d.faults.ConflictNext {
		d.faults.ConflictNext = false
		name := ""
		if len(names) > 0 {
			name = names[0]
		}
		return errConflict(name, d.faults.ConflictKind())
	}
	now := time.Now()
	for _, c := range d.changes {
		if isReady(c.visibleStatus(d, now)) {
			continue
		}
		for _, n := range names {
			for _, cn := range c.snapNames {
				if n == cn {
					return errConflict(n, c.kind)
				}
			}
		}
	}
	return nil
}

// addChange registers a change and queues it for the runner. Called with
// d.mu held. Armed fail-next and slow faults are consumed here.
func (d *Daemon) addChange(kind, summary string, snapNames []string, data map[string]any, tasks ...*task) *change {
	d.lastID++
	c := &change{id: strconv.Itoa(d.lastID), kind: kind, summary: summary, snapNames: snapNames,
		data: data, tasks: tasks, spawn: time.Now(), status: statusDo}
	if d.faults.FailNext != "" {
		c.failWith = d.faults.FailNext
		d.faults.FailNext = ""
	}
	c.extraDelay = d.cfg.ChangeDelay
	if d.faults.SlowNext > 0 {
		c.extraDelay += d.faults.SlowNext
		d.faults.SlowNext = 0
	}
	if len(tasks) == 0 {
		c.status = statusDone
		c.ready = c.spawn
	}
	d.changes[c.id] = c
	if len(tasks) > 0 {
		d.queue = append(d.queue, c)
		d.wake()
	}
	return c
}

// runChanges is the change runner: it executes queued changes one at a time
// until ctx is done.
func (d *Daemon) runChanges(ctx context.Context) {
	for {
		d.mu.Lock()
		var c *change
		if len(d.queue) > 0 {
			c, d.queue = d.queue[0], d.queue[1:]
		}
		d.mu.Unlock()
		if c == nil {
			select {
			case <-ctx.Done():
				return
			case <-d.kick:
				continue
			}
		}
		d.runChange(ctx, c)
	}
}

func (d *Daemon) runChange(ctx context.Context, c *change) {
	d.mu.Lock()
	if c.aborted {
		d.mu.Unlock()
		return
	}
	c.status = statusDoing
	delay := c.extraDelay
	d.mu.Unlock()
	if delay > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	var failed []string
	for i, t := range c.tasks {
		d.mu.Lock()
		if c.aborted {
			for _, rest := range c.tasks[i:] {
				rest.status = statusHold
			}
			d.mu.Unlock()
			break
		}
		t.status = statusDoing
		failWith := ""
		if i == 0 {
			failWith = c.failWith
		}
		d.mu.Unlock()

		var err error
		switch {
		case failWith != "":
			err = fmt.Errorf("%s", failWith)
		case ctx.Err() != nil:
			err = fmt.Errorf("cannot run task: snapd is stopping")
		case t.run != nil:
			err = t.run(ctx)
		}

		d.mu.Lock()
		t.ready = time.Now()
		if err != nil {
			t.status = statusError
			t.log = append(t.log, t.ready.UTC().Format(time.RFC3339)+" ERROR "+err.Error())
			failed = append(failed, fmt.Sprintf("- %s (%v)", t.summary, err))
			for _, rest := range c.tasks[i+1:] {
				rest.status = statusHold
			}
			d.mu.Unlock()
			break
		}
		t.status = statusDone
		d.mu.Unlock()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c.ready = time.Now()
	switch {
	case len(failed) > 0:
		c.status = statusError
		c.err = "cannot perform the following tasks:\n" + strings.Join(failed, "\n")
	case c.aborted:
		c.status = statusUndone
	default:
		c.status = statusDone
	}
}

// getChange serves GET /v2/changes/{id}; each call counts as a poll.
func (d *Daemon) getChange(id string) reply {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.changes[id]
	if !ok {
		return errorReply(notFound("cannot find change with id %q", id))
	}
	info := c.info(d, time.Now())
	c.polls++
	return syncReply(info)
}

// postChange serves POST /v2/changes/{id} {"action":"abort"}.
func (d *Daemon) postChange(id string, r *http.Request) reply {
	var req struct {
		Action string `json:"action"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return errorReply(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.changes[id]
	if !ok {
		return errorReply(notFound("cannot find change with id %q", id))
	}
	if req.Action != "abort" {
		return errorReply(badRequest("change action %q is unsupported", req.Action))
	}
	if isReady(c.status) {
		return errorReply(badRequest("cannot abort change %s with nothing pending", id))
	}
	c.aborted = true
	if c.status == statusDo {
		// Not started: nothing to undo.
		for _, t := range c.tasks {
			t.status = statusHold
		}
		c.status = statusHold
		c.ready = time.Now()
	}
	return syncReply(c.info(d, time.Now()))
}

// listChanges serves GET /v2/changes?select=in-progress|ready|all&for=snap.
func (d *Daemon) listChanges(r *http.Request) reply {
	q := r.URL.Query()
	sel := q.Get("select")
	if sel == "" {
		sel = "in-progress"
	}
	if sel != "in-progress" && sel != "ready" && sel != "all" {
		return errorReply(badRequest("select should be one of: all,in-progress,ready"))
	}
	forSnap := q.Get("for")
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	out := []changeInfo{}
	for _, c := range d.changes {
		ready := isReady(c.visibleStatus(d, now))
		if (sel == "ready" && !ready) || (sel == "in-progress" && ready) {
			continue
		}
		if forSnap != "" && !contains(c.snapNames, forSnap) {
			continue
		}
		out = append(out, c.info(d, now))
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].ID)
		b, _ := strconv.Atoi(out[j].ID)
		return a < b
	})
	return syncReply(out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
