package jujuc_test

import (
	"reflect"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// status-set and application-version-set act at once on the model.
func TestStatusWrites(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		args     []string
		wantUnit jujuc.Status
		wantApp  jujuc.Status
		wantVer  string
		wantCode int
	}{{
		name:     "unit status",
		scenario: "hook",
		args:     []string{"status-set", "blocked", "need certs"},
		wantUnit: jujuc.Status{Status: "blocked", Message: "need certs"},
		wantApp:  jujuc.Status{Status: "active", Message: "all good"},
	}, {
		name:     "application status by leader",
		scenario: "hook",
		args:     []string{"status-set", "--application", "maintenance", "upgrading"},
		wantUnit: jujuc.Status{Status: "active", Message: "ready"},
		wantApp:  jujuc.Status{Status: "maintenance", Message: "upgrading"},
	}, {
		name:     "application status by non-leader",
		scenario: "follower",
		args:     []string{"status-set", "--application", "maintenance"},
		wantUnit: jujuc.Status{Status: "active", Message: "ready"},
		wantApp:  jujuc.Status{Status: "active", Message: "all good"},
		wantCode: 1,
	}, {
		name:     "version",
		scenario: "hook",
		args:     []string{"application-version-set", "--", "3.5.9"},
		wantUnit: jujuc.Status{Status: "active", Message: "ready"},
		wantApp:  jujuc.Status{Status: "active", Message: "all good"},
		wantVer:  "3.5.9",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := scenario(t, tt.scenario)
			resp := directRunner(t, ctx, t.TempDir(), tt.args, nil)
			if resp.Code != tt.wantCode {
				t.Fatalf("code %d, stderr %q", resp.Code, resp.Stderr)
			}
			if !reflect.DeepEqual(ctx.Status, tt.wantUnit) || !reflect.DeepEqual(ctx.AppStatus, tt.wantApp) || ctx.AppVersion != tt.wantVer {
				t.Errorf("unit %v app %v version %q", ctx.Status, ctx.AppStatus, ctx.AppVersion)
			}
		})
	}
}
