package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// turnUpCharm deploys n units and measures from the moment easyrsa has
// issued the last unit's certificate (seen in the debug log) until every
// unit is active and reports itself healthy with n peers.
func turnUpCharm(s *Sim, res *Results, charm, easyrsa string, n int) (time.Duration, error) {
	if err := s.DeployEtcd(charm, easyrsa, n); err != nil {
		return 0, err
	}
	issued, err := s.waitIssued(n, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	healthy, err := s.waitHealthy(n, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	res.note("turn-up %d units (%s): %s", n, secs(healthy.Sub(issued)), s.charmBusy(issued, healthy))
	return healthy.Sub(issued), nil
}

// turnUpBare starts n bare members with their certificates already issued
// and measures from process start until every member serves a
// linearizable read. The cluster is left running for scale-out.
func turnUpBare(b *Bare, n int) (time.Duration, error) {
	if err := b.Certs(n); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := b.StartCluster(n); err != nil {
		return 0, err
	}
	if err := b.WaitHealthy(n, time.Minute); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// scaleOutCharm adds one unit to a healthy 3-unit model and returns the
// time from its certificate being issued, and from add-unit, until it is a
// voting member.
func scaleOutCharm(s *Sim, res *Results) (fromCert, fromAdd time.Duration, err error) {
	cl, err := s.Client("etcd/0")
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if n, err := votingMembers(cl); err != nil || n != 3 {
		return 0, 0, fmt.Errorf("before scale-out: %d voting members (%v)", n, err)
	}
	before, err := s.issuedCount()
	if err != nil {
		return 0, 0, err
	}
	added := time.Now()
	if _, err := s.Run("add-unit", "etcd"); err != nil {
		return 0, 0, err
	}
	issued, err := s.waitIssued(before+1, 5*time.Minute)
	if err != nil {
		return 0, 0, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if n, err := votingMembers(cl); err == nil && n == 4 {
			now := time.Now()
			res.note("scale-out, certificate → voting member (%s): %s", secs(now.Sub(issued)), s.charmBusy(issued, now))
			// The wrapper records a run when it ends: let the runs in
			// flight finish before reading them.
			_ = s.WaitActive(time.Minute)
			if recs, err := ReadHookRecords(s.Home); err == nil {
				res.Chains = append(res.Chains, chainOf(recs, fmt.Sprintf("Scale-out 3→4, run %d: certificate → voting member in %s, add-unit %s before the certificate", len(res.Chains)+1, secs(now.Sub(issued)), secs(issued.Sub(added))), added, issued, now))
			}
			s.keepTrace(fmt.Sprintf("scale-out-%d", len(res.Chains)))
			return now.Sub(issued), now.Sub(added), nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, 0, fmt.Errorf("the new unit is not a voting member after 5m")
}

// scaleOutBare adds member 3 to the running 3-member bare cluster by hand:
// member add --learner, start, member promote (retried until the learner
// has caught up, as etcd refuses to promote a lagging learner). It stops,
// like the charm's figure, when the member list shows 4 voting members
// with names (a member is named once its own publish is applied, which
// can come seconds after the promotion).
func scaleOutBare(b *Bare) (time.Duration, error) {
	if err := b.issue(b.name(3), []string{b.ip(3)}); err != nil {
		return 0, err
	}
	cl, err := b.Client(0, 1, 2)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	add, err := cl.MemberAddAsLearner(ctx, []string{b.peerURL(3)})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("cannot add the learner: %w", err)
	}
	if err := b.Start(3, b.initialCluster([]int{0, 1, 2, 3}), "existing"); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = cl.MemberPromote(ctx, add.Member.ID)
		cancel()
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return 0, fmt.Errorf("cannot promote the learner within 1m: %w (log %s)", err, filepath.Join(b.Dir, "m3.log"))
	}
	for time.Now().Before(deadline) {
		if n, err := votingMembers(cl); err == nil && n == 4 {
			return time.Since(start), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("the promoted member has no name within 1m (log %s)", filepath.Join(b.Dir, "m3.log"))
}
