package actions

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	tests := []struct {
		name    string
		units   int
		arrange func(w *world)
		want    []string // lines of output, %x replaced by member ids in order etcd0..
		failed  bool
	}{{
		name:  "healthy three members",
		units: 3,
		want: []string{
			"member {etcd0} is healthy: got healthy result from https://10.0.0.1:2379",
			"member {etcd1} is healthy: got healthy result from https://10.0.0.2:2379",
			"member {etcd2} is healthy: got healthy result from https://10.0.0.3:2379",
			"cluster is healthy",
		},
	}, {
		name:    "one member down",
		units:   3,
		arrange: func(w *world) { w.etcd.SetDown(clientURL(1), "connection refused") },
		want: []string{
			"member {etcd0} is healthy: got healthy result from https://10.0.0.1:2379",
			"member {etcd1} is unhealthy: got unhealthy result from https://10.0.0.2:2379: connection refused",
			"member {etcd2} is healthy: got healthy result from https://10.0.0.3:2379",
			"cluster is unhealthy",
		},
		failed: true,
	}, {
		name:    "local member down: the peers answer",
		units:   2,
		arrange: func(w *world) { w.etcd.SetDown(clientURL(0), "connection refused") },
		want: []string{
			"member {etcd0} is unhealthy: got unhealthy result from https://10.0.0.1:2379: connection refused",
			"member {etcd1} is healthy: got healthy result from https://10.0.0.2:2379",
			"cluster is unhealthy",
		},
		failed: true,
	}, {
		name:  "NOSPACE alarm",
		units: 1,
		arrange: func(w *world) {
			w.etcd.RaiseAlarm(w.memberID(nil, "etcd0"), "NOSPACE")
		},
		want: []string{
			"member {etcd0} is unhealthy: got unhealthy result from https://10.0.0.1:2379: Active Alarm(s): NOSPACE",
			"cluster is unhealthy",
		},
		failed: true,
	}, {
		name:    "nothing answers",
		units:   1,
		arrange: func(w *world) { w.etcd.FailDial(errors.New("context deadline exceeded")) },
		want: []string{
			"cannot reach any member at https://10.0.0.1:2379: context deadline exceeded",
			"cluster is unhealthy",
		},
		failed: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.units)
			ids := map[string]string{}
			for _, m := range w.etcd.List() {
				ids["{"+m.Name+"}"] = fmt.Sprintf("%x", m.ID)
			}
			if tt.arrange != nil {
				tt.arrange(w)
			}
			if code := w.run(t, "health", nil); code != 0 {
				t.Fatalf("exit %d", code)
			}
			want := strings.Join(tt.want, "\n")
			for k, v := range ids {
				want = strings.ReplaceAll(want, k, v)
			}
			if got := w.tools.ActionResults["output"]; got != want {
				t.Errorf("output:\n%s\nwant:\n%s", got, want)
			}
			if tt.failed != (w.tools.ActionFailed != "") {
				t.Errorf("failed = %q, want failure %t", w.tools.ActionFailed, tt.failed)
			}
			if tt.failed && w.tools.ActionFailed != want {
				t.Errorf("failure message %q, want the output", w.tools.ActionFailed)
			}
		})
	}
}

func TestHealthReportsUnstartedLearner(t *testing.T) {
	w := newWorld(t, 1)
	if _, _, err := w.etcd.AddLearner(t.Context(), peerURL(1)); err != nil {
		t.Fatal(err)
	}
	w.run(t, "health", nil)
	out := w.tools.ActionResults["output"]
	if !strings.Contains(out, "is unreachable: no available published client urls") || !strings.HasSuffix(out, "cluster is unhealthy") {
		t.Errorf("output:\n%s", out)
	}
}

func TestHealthWithoutConfig(t *testing.T) {
	w := newWorld(t, 1)
	if err := removeFile(w.d.Paths.ConfigFile()); err != nil {
		t.Fatal(err)
	}
	w.run(t, "health", nil)
	if !strings.Contains(w.tools.ActionFailed, "etcd is not configured on this unit yet") {
		t.Errorf("failed = %q", w.tools.ActionFailed)
	}
}
