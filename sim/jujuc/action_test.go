package jujuc_test

import (
	"reflect"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
)

// The results, failure and log messages the action tools leave behind.
func TestActionEffects(t *testing.T) {
	tests := []struct {
		name string
		args [][]string
		want jujuctest.Action
	}{{
		name: "nested results, scalar replaced by a map",
		args: [][]string{{"action-set", "a=1", "b.c=2"}, {"action-set", "a.x=3", "d=x=y"}},
		want: jujuctest.Action{Results: map[string]any{
			"a": map[string]any{"x": "3"}, "b": map[string]any{"c": "2"}, "d": "x=y",
		}},
	}, {
		name: "fail with message and log",
		args: [][]string{{"action-log", "--", "step", "1"}, {"action-fail", "disk full"}},
		want: jujuctest.Action{Failed: true, FailMessage: "disk full", Logs: []string{"step 1"}},
	}, {
		name: "fail without message",
		args: [][]string{{"action-fail"}},
		want: jujuctest.Action{Failed: true, FailMessage: "action failed without reason given, check action for errors"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := scenario(t, "action")
			for _, args := range tt.args {
				if resp := directRunner(t, ctx, t.TempDir(), args, nil); resp.Code != 0 {
					t.Fatalf("%v: code %d stderr %q", args, resp.Code, resp.Stderr)
				}
			}
			got := *ctx.Action
			got.Params = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("action %+v, want %+v", got, tt.want)
			}
		})
	}
}
