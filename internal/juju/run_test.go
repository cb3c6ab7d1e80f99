package juju_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
)

func TestRunOutcomes(t *testing.T) {
	hook := juju.Event{Kind: juju.HookKind, Name: "config-changed", Unit: "etcd/0"}
	action := juju.Event{Kind: juju.ActionKind, Name: "health", Unit: "etcd/0"}
	tests := []struct {
		name       string
		ev         juju.Event
		err        error
		failTool   string
		wantCode   int
		wantStatus juju.Status
		wantFailed string
		wantLog    string
	}{
		{name: "success", ev: hook, wantCode: 0},
		{name: "blocked sets status and commits", ev: hook,
			err:      juju.Blocked("Invalid config: port must differ from management_port"),
			wantCode: 0, wantStatus: juju.Status{Name: juju.StatusBlocked, Message: "Invalid config: port must differ from management_port"}},
		{name: "waiting sets status and commits", ev: hook,
			err:      juju.Waiting("Waiting for certificates"),
			wantCode: 0, wantStatus: juju.Status{Name: juju.StatusWaiting, Message: "Waiting for certificates"}},
		{name: "wrapped outcome still an outcome", ev: hook,
			err:      errors.Join(errors.New("context"), juju.Waiting("w")),
			wantCode: 0, wantStatus: juju.Status{Name: juju.StatusWaiting, Message: "w"}},
		{name: "other error exits 1 for a retry", ev: hook,
			err: errors.New("cannot reach snapd"), wantCode: 1, wantLog: "ERROR hook config-changed failed: cannot reach snapd"},
		{name: "status-set failing makes the hook fail", ev: hook,
			err: juju.Blocked("x"), failTool: "status-set", wantCode: 1, wantLog: "cannot report outcome"},
		{name: "action failure", ev: action,
			err: juju.Failf("cluster is unhealthy"), wantCode: 0, wantFailed: "cluster is unhealthy"},
		{name: "outcome in an action fails it", ev: action,
			err: juju.Waiting("Waiting for certificates"), wantCode: 0, wantFailed: "Waiting for certificates"},
		{name: "action error exits 1", ev: action,
			err: errors.New("cannot dial etcd"), wantCode: 1, wantLog: "ERROR action health failed: cannot dial etcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := jujutest.New("etcd/0")
			if tt.ev.Kind == juju.ActionKind {
				tools.ActionParams = map[string]any{}
			}
			if tt.failTool != "" {
				tools.Fail[tt.failTool] = errors.New("tool failed")
			}
			var log bytes.Buffer
			code := tools.Run(context.Background(), tt.ev, func(context.Context, juju.Event) error { return tt.err }, &log)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if tools.Status != tt.wantStatus {
				t.Errorf("status = %+v, want %+v", tools.Status, tt.wantStatus)
			}
			if tools.ActionFailed != tt.wantFailed {
				t.Errorf("action-fail = %q, want %q", tools.ActionFailed, tt.wantFailed)
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log = %q, want containing %q", log.String(), tt.wantLog)
			}
		})
	}
}
