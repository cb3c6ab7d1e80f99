package jujuc_test

import (
	"reflect"
	"testing"
)

// leader-set writes at once (no Commit needed), and only for the leader.
func TestLeaderSetImmediate(t *testing.T) {
	tests := []struct {
		scenario string
		args     []string
		want     map[string]string
		wantCode int
	}{
		{"hook", []string{"leader-set", "a=1", "n="}, map[string]string{"a": "1", "cluster-token": "tok"}, 0},
		{"hook", []string{"leader-set"}, map[string]string{"cluster-token": "tok", "n": "3"}, 0},
		{"follower", []string{"leader-set", "a=1"}, map[string]string{"cluster-token": "tok", "n": "3"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+" "+tt.args[len(tt.args)-1], func(t *testing.T) {
			ctx := scenario(t, tt.scenario)
			resp := directRunner(t, ctx, t.TempDir(), tt.args, nil)
			if resp.Code != tt.wantCode {
				t.Fatalf("code %d stderr %q", resp.Code, resp.Stderr)
			}
			if !reflect.DeepEqual(ctx.Leadership, tt.want) {
				t.Errorf("leader settings %v, want %v", ctx.Leadership, tt.want)
			}
		})
	}
}
