package etcd

import (
	"errors"
	"fmt"
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
		{"learner refuses", rpctypes.Error(rpctypes.ErrGRPCNotSupportedForLearner), ErrLearnerRefused},
		{"learner refuses as gRPC status", rpctypes.ErrGRPCNotSupportedForLearner, ErrLearnerRefused},
		{"other", rpctypes.ErrPermissionDenied, nil},
	}
	sentinels := []error{ErrUnhealthy, ErrLearnerNotReady, ErrTooManyLearners, ErrLearnerRefused}
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
