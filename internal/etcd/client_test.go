package etcd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

func TestMembershipError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // sentinel expected via errors.Is; nil: none of ours
	}{
		{"unhealthy", rpctypes.ErrUnhealthy, ErrUnhealthy},
		{"unhealthy as gRPC status", rpctypes.ErrGRPCUnhealthy, ErrUnhealthy},
		{"not enough started", rpctypes.ErrMemberNotEnoughStarted, ErrUnhealthy},
		{"learner not ready", rpctypes.ErrMemberLearnerNotReady, ErrLearnerNotReady},
		{"learner not ready as gRPC status", rpctypes.ErrGRPCLearnerNotReady, ErrLearnerNotReady},
		{"learner not ready, wrapped", fmt.Errorf("x: %w", rpctypes.ErrMemberLearnerNotReady), ErrLearnerNotReady},
		{"too many learners", rpctypes.ErrTooManyLearners, ErrTooManyLearners},
		{"other", rpctypes.ErrPermissionDenied, nil},
	}
	sentinels := []error{ErrUnhealthy, ErrLearnerNotReady, ErrTooManyLearners}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := membershipError("do it", tt.err)
			if !strings.HasPrefix(got.Error(), "cannot do it: ") {
				t.Errorf("error text %q", got)
			}
			for _, s := range sentinels {
				if errors.Is(got, s) != (s == tt.want) {
					t.Errorf("errors.Is(%q, %q) = %v", got, s, !(s == tt.want))
				}
			}
			if tt.want == nil && !errors.Is(got, tt.err) {
				t.Errorf("%q does not wrap %v", got, tt.err)
			}
		})
	}
}

func TestIsRPC(t *testing.T) {
	if isRPC(nil, rpctypes.ErrMemberNotFound) {
		t.Error("nil is an etcd error")
	}
	if !isRPC(rpctypes.ErrGRPCMemberNotFound, rpctypes.ErrMemberNotFound) {
		t.Error("gRPC status not recognised")
	}
	if isRPC(errors.New("etcdserver: member not found (not really)"), rpctypes.ErrMemberNotFound) {
		t.Error("a plain error matched")
	}
	if isRPC(rpctypes.ErrMemberNotLearner, rpctypes.ErrMemberNotFound) {
		t.Error("a different etcd error matched")
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := writePKI(t, dir, "127.0.0.1")
	tests := []struct {
		name      string
		endpoints []string
		tls       TLS
		want      string
	}{
		{"no endpoints", nil, good, "no endpoints"},
		{"bare host", []string{"10.0.0.1:2379"}, good, "invalid endpoint"},
		{"bad scheme", []string{"unix:///run/etcd.sock"}, good, "invalid endpoint"},
		{"partial TLS", []string{"https://127.0.0.1:2379"}, TLS{CertFile: good.CertFile}, "needs a certificate"},
		{"missing key", []string{"https://127.0.0.1:2379"}, TLS{CertFile: good.CertFile, KeyFile: filepath.Join(dir, "nope"), CAFile: good.CAFile}, "cannot load"},
		{"CA not PEM", []string{"https://127.0.0.1:2379"}, TLS{CertFile: good.CertFile, KeyFile: good.KeyFile, CAFile: filepath.Join(dir, "junk")}, "cannot load"},
	}
	os.WriteFile(filepath.Join(dir, "junk"), []byte("not a certificate"), 0o600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(ctx, tt.endpoints, tt.tls, nil)
			if err == nil {
				c.Close()
				t.Fatalf("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cannot ") {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	c, err := Dial(ctx, []string{"https://127.0.0.1:2379"}, good)
	if err != nil {
		t.Fatalf("Dial with good input: %v", err)
	}
	c.Close()
}
