package actions

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCompact(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]any
		arrange   func(w *world)
		output    string
		failed    string
		compacted int64
	}{{
		name:      "latest by default",
		params:    map[string]any{"revision": "", "physical": false},
		arrange:   func(w *world) { w.etcd.Put(41) },
		output:    "compacted revision 42",
		compacted: 42,
	}, {
		name:      "explicit revision, physical",
		params:    map[string]any{"revision": "10", "physical": true},
		arrange:   func(w *world) { w.etcd.Put(41) },
		output:    "compacted revision 10",
		compacted: 10,
	}, {
		name:   "not a number",
		params: map[string]any{"revision": "ten"},
		failed: `revision must be a positive whole number or empty for the latest, got "ten"`,
	}, {
		name:   "negative",
		params: map[string]any{"revision": "-3"},
		failed: `revision must be a positive whole number`,
	}, {
		name:   "future revision",
		params: map[string]any{"revision": "500"},
		failed: "Cannot compact to revision 500: cannot compact to revision 500: mvcc: required revision is a future revision",
	}, {
		name:    "already compacted",
		params:  map[string]any{"revision": "5"},
		arrange: func(w *world) { w.etcd.Put(41); _ = w.etcd.Compact(t.Context(), 20, false) },
		failed:  "mvcc: required revision has been compacted",
	}, {
		name:    "local member down",
		params:  map[string]any{},
		arrange: func(w *world) { w.etcd.SetDown(clientURL(0), "connection refused") },
		failed:  "Cannot connect to etcd at https://10.0.0.1:2379",
	}, {
		name:   "physical not a boolean",
		params: map[string]any{"physical": "sometimes"},
		failed: "Param physical must be true or false, got sometimes",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 1)
			if tt.arrange != nil {
				tt.arrange(w)
			}
			if code := w.run(t, "compact", tt.params); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if tt.failed != "" {
				if !strings.Contains(w.tools.ActionFailed, tt.failed) {
					t.Errorf("failed = %q, want %q", w.tools.ActionFailed, tt.failed)
				}
				return
			}
			if w.tools.ActionFailed != "" {
				t.Fatalf("failed: %s", w.tools.ActionFailed)
			}
			if got := w.tools.ActionResults["output"]; got != tt.output {
				t.Errorf("output = %q, want %q", got, tt.output)
			}
			if got := w.etcd.Compacted(); got != tt.compacted {
				t.Errorf("compacted at %d, want %d", got, tt.compacted)
			}
		})
	}
}

func TestDefrag(t *testing.T) {
	w := newWorld(t, 3)
	if code := w.run(t, "defrag", nil); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	r := w.tools.ActionResults
	if r["output"] != "Finished defragmenting etcd member[https://10.0.0.1:2379]" {
		t.Errorf("output = %q", r["output"])
	}
	if r["db.size.before"] != "20480" || r["db.size.after"] != "10240" {
		t.Errorf("sizes %q → %q", r["db.size.before"], r["db.size.after"])
	}
	var defrags []string
	for _, c := range w.etcd.Calls() {
		if strings.HasPrefix(c, "Defragment") {
			defrags = append(defrags, c)
		}
	}
	if len(defrags) != 1 || defrags[0] != "Defragment https://10.0.0.1:2379" {
		t.Errorf("defragmented %v, want only this member", defrags)
	}
}

func TestDefragFailures(t *testing.T) {
	w := newWorld(t, 1)
	w.etcd.FailDial(errors.New("x509: certificate signed by unknown authority"))
	w.run(t, "defrag", nil)
	if !strings.Contains(w.tools.ActionFailed, "x509: certificate signed by unknown authority") {
		t.Errorf("failed = %q", w.tools.ActionFailed)
	}
}

func TestAlarms(t *testing.T) {
	w := newWorld(t, 2)
	w.run(t, "alarm-list", nil)
	if out, ok := w.tools.ActionResults["output"]; !ok || out != "" || w.tools.ActionFailed != "" {
		t.Fatalf("alarm-list on a healthy cluster: output %q (set %t), failed %q", out, ok, w.tools.ActionFailed)
	}
	id0, id1 := w.memberID(t, "etcd0"), w.memberID(t, "etcd1")
	w.etcd.RaiseAlarm(id0, "NOSPACE")
	w.etcd.RaiseAlarm(id1, "CORRUPT")
	want := fmt.Sprintf("memberID:%d alarm:NOSPACE\nmemberID:%d alarm:CORRUPT", id0, id1)
	w.run(t, "alarm-list", nil)
	if got := w.tools.ActionResults["output"]; got != want {
		t.Errorf("alarm-list output %q, want %q", got, want)
	}
	w.run(t, "alarm-disarm", nil)
	if got := w.tools.ActionResults["output"]; got != want || w.tools.ActionFailed != "" {
		t.Errorf("alarm-disarm output %q (failed %q), want %q", got, w.tools.ActionFailed, want)
	}
	w.run(t, "alarm-list", nil)
	if got := w.tools.ActionResults["output"]; got != "" {
		t.Errorf("alarms after disarm: %q", got)
	}
}
