package jujuc_test

import (
	"reflect"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// relation-set only buffers: the committed bag changes at Commit (hook exit 0).
func TestRelationSetBuffers(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		args     []string
		stdin    *string
		wantUnit map[string]string // committed own unit bag in relation 1 after Commit
		wantApp  map[string]string // committed own app bag in relation 1 after Commit
		wantCode int
	}{{
		name:     "unit bag",
		scenario: "relhook",
		args:     []string{"relation-set", "a=1", "b=2"},
		wantUnit: map[string]string{"a": "1", "b": "2"},
	}, {
		name:     "app bag by leader",
		scenario: "hook",
		args:     []string{"relation-set", "-r", "db:1", "--app", "k=v"},
		wantApp:  map[string]string{"k": "v"},
	}, {
		name:     "file from stdin, args override",
		scenario: "relhook",
		args:     []string{"relation-set", "--file=-", "b=arg"},
		stdin:    ptr("a: x\nb: file\n"),
		wantUnit: map[string]string{"a": "x", "b": "arg"},
	}, {
		name:     "app bag by non-leader refused",
		scenario: "follower",
		args:     []string{"relation-set", "-r", "1", "--app", "k=v"},
		wantCode: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := scenario(t, tt.scenario)
			resp := directRunner(t, ctx, t.TempDir(), tt.args, tt.stdin)
			if resp.Code != tt.wantCode {
				t.Fatalf("code %d, stderr %q", resp.Code, resp.Stderr)
			}
			if got := ctx.Relations[1].Units["etcd/0"]; got != nil {
				t.Fatalf("unit bag committed before Commit: %v", got)
			}
			ctx.Commit()
			if got := ctx.Relations[1].Units["etcd/0"]; !reflect.DeepEqual(got, tt.wantUnit) {
				t.Errorf("unit bag %v, want %v", got, tt.wantUnit)
			}
			if got := ctx.Relations[1].Apps["etcd"]; !reflect.DeepEqual(got, tt.wantApp) {
				t.Errorf("app bag %v, want %v", got, tt.wantApp)
			}
		})
	}
}

// A tool that reads stdin it was not sent reports ErrNoStdin's text; the
// server turns that into a resend request (see TestServer).
func TestRelationSetWithoutStdin(t *testing.T) {
	ctx := scenario(t, "relhook")
	resp := jujuc.Run(ctx, jujuc.Request{Dir: t.TempDir(), CommandName: "relation-set", Args: []string{"--file", "-"}})
	if resp.Code != 1 || string(resp.Stderr) != "ERROR "+jujuc.ErrNoStdin.Error()+"\n" {
		t.Fatalf("code %d stderr %q", resp.Code, resp.Stderr)
	}
}

func ptr(s string) *string { return &s }
