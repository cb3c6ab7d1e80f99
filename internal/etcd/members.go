package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func toMembers(ms []*etcdserverpb.Member) []Member {
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		out = append(out, toMember(m))
	}
	return out
}

func toMember(m *etcdserverpb.Member) Member {
	return Member{
		ID:         m.ID,
		Name:       m.Name,
		PeerURLs:   append([]string(nil), m.PeerURLs...),
		ClientURLs: append([]string(nil), m.ClientURLs...),
		IsLearner:  m.IsLearner,
	}
}

func withPeerURL(ms []Member, peerURL string) (Member, bool) {
	for _, m := range ms {
		for _, u := range m.PeerURLs {
			if u == peerURL {
				return m, true
			}
		}
	}
	return Member{}, false
}

// Members implements Cluster (a linearizable member list: it reflects
// every committed membership change).
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	resp, err := c.cli.MemberList(ctx)
	if isRPC(err, errNotForLearner) {
		return nil, fmt.Errorf("cannot list etcd members: %w (%v)", ErrLearnerRefused, err)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list etcd members: %w", err)
	}
	return toMembers(resp.Members), nil
}

// LocalMembers implements Cluster.
func (c *Client) LocalMembers(ctx context.Context, endpoint string) ([]Member, error) {
	ctx, cancel := bound(ctx, probeTimeout)
	defer cancel()
	if err := reachable(ctx, endpoint); err != nil {
		return nil, fmt.Errorf("cannot list etcd members at %s: %w", endpoint, err)
	}
	cli, err := c.one(endpoint)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	resp, err := cli.MemberList(ctx, clientv3.WithSerializable())
	if err != nil {
		return nil, fmt.Errorf("cannot list etcd members at %s: %w", endpoint, err)
	}
	return toMembers(resp.Members), nil
}

// AddLearner implements Cluster. It lists the members first so a repeated
// call (a retried hook) returns the member already added; a concurrent
// add of the same URL (etcd's "Peer URLs already exists") is success too.
func (c *Client) AddLearner(ctx context.Context, peerURL string) (Member, []Member, error) {
	if peerURL == "" {
		return Member{}, nil, fmt.Errorf("cannot add etcd learner: empty peer URL")
	}
	members, err := c.Members(ctx)
	if err != nil {
		return Member{}, nil, err
	}
	if m, ok := withPeerURL(members, peerURL); ok {
		return m, members, nil
	}
	cctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	resp, err := c.cli.MemberAddAsLearner(cctx, []string{peerURL})
	if isRPC(err, rpctypes.ErrPeerURLExist) {
		if members, err = c.Members(ctx); err != nil {
			return Member{}, nil, err
		}
		if m, ok := withPeerURL(members, peerURL); ok {
			return m, members, nil
		}
		return Member{}, nil, fmt.Errorf("cannot add etcd learner %s: etcd says its peer URL exists, but no member has it", peerURL)
	}
	if err != nil {
		return Member{}, nil, membershipError("add etcd learner "+peerURL, err)
	}
	return toMember(resp.Member), toMembers(resp.Members), nil
}

// Promote implements Cluster. It lists the members first: etcd 3.5
// checks the learner's raft progress before it checks that the member is
// a learner at all, so promoting a member that is already a voter can
// answer "not in sync" while the new voter catches up.
func (c *Client) Promote(ctx context.Context, id uint64) error {
	members, err := c.Members(ctx)
	if err != nil {
		return err
	}
	var found *Member
	for i := range members {
		if members[i].ID == id {
			found = &members[i]
		}
	}
	if found == nil {
		return fmt.Errorf("cannot promote etcd member %x: no such member", id)
	}
	if !found.IsLearner {
		return nil
	}
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	_, err = c.cli.MemberPromote(ctx, id)
	if err == nil || isRPC(err, rpctypes.ErrMemberNotLearner) {
		return nil
	}
	return membershipError(fmt.Sprintf("promote etcd member %x", id), err)
}

// Remove implements Cluster. It lists the members first: etcd 3.4 runs
// its quorum check before looking the id up, so removing a member that
// is already gone from a one-member cluster fails there with "unhealthy
// cluster" instead of "member not found".
func (c *Client) Remove(ctx context.Context, id uint64) error {
	members, err := c.Members(ctx)
	if err != nil {
		return err
	}
	if !hasMember(members, id) {
		return nil
	}
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	_, err = c.cli.MemberRemove(ctx, id)
	if err == nil || isRPC(err, rpctypes.ErrMemberNotFound) {
		return nil
	}
	// A member asked to remove itself applies the removal and stops
	// before it answers: "server stopped" then means the removal may
	// well be done. Ask the others (clientv3 moves on from the stopped
	// endpoint); if they cannot tell, the error stands and the caller
	// retries, which this method makes safe.
	if isRPC(err, rpctypes.ErrStopped) {
		if after, lerr := c.Members(ctx); lerr == nil && !hasMember(after, id) {
			return nil
		}
	}
	return membershipError(fmt.Sprintf("remove etcd member %x", id), err)
}

// UpdatePeerURLs implements Cluster.
func (c *Client) UpdatePeerURLs(ctx context.Context, id uint64, peerURLs []string) error {
	if len(peerURLs) == 0 {
		return fmt.Errorf("cannot update etcd member %x: no peer URLs", id)
	}
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	if _, err := c.cli.MemberUpdate(ctx, id, peerURLs); err != nil {
		return membershipError(fmt.Sprintf("update etcd member %x", id), err)
	}
	return nil
}

// MoveLeader implements Cluster. etcd only accepts the request on the
// leader, so it asks the started members' endpoints for their status
// until one answers, takes the leader's id from it, and sends the request
// to the leader's client URL on a client of its own.
func (c *Client) MoveLeader(ctx context.Context, id uint64) error {
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	members, err := c.Members(ctx)
	if err != nil {
		return err
	}
	leader, err := c.leader(ctx, members)
	if err != nil {
		return fmt.Errorf("cannot move etcd leader to %x: %w", id, err)
	}
	if leader.ID == id {
		return nil
	}
	var errs []error
	for _, ep := range leader.ClientURLs {
		cli, err := c.one(ep)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, err = cli.MoveLeader(ctx, id)
		cli.Close()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if isRPC(err, rpctypes.ErrBadLeaderTransferee) {
			break
		}
	}
	return fmt.Errorf("cannot move etcd leader from %x to %x: %w", leader.ID, id, errors.Join(errs...))
}

// leader finds the leader among members by asking their endpoints.
func (c *Client) leader(ctx context.Context, members []Member) (Member, error) {
	var errs []error
	for _, m := range members {
		for _, ep := range m.ClientURLs {
			st, err := c.Status(ctx, ep)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if st.Leader == 0 {
				errs = append(errs, fmt.Errorf("%s: no leader", ep))
				continue
			}
			for _, l := range members {
				if l.ID == st.Leader && len(l.ClientURLs) > 0 {
					return l, nil
				}
			}
			errs = append(errs, fmt.Errorf("%s: leader %x has no client URL", ep, st.Leader))
		}
	}
	if len(errs) == 0 {
		return Member{}, errors.New("no member has a client URL")
	}
	return Member{}, fmt.Errorf("cannot find the leader: %w", errors.Join(errs...))
}

// Status implements Cluster.
func (c *Client) Status(ctx context.Context, endpoint string) (Status, error) {
	ctx, cancel := bound(ctx, probeTimeout)
	defer cancel()
	if err := reachable(ctx, endpoint); err != nil {
		return Status{}, fmt.Errorf("cannot get etcd status of %s: %w", endpoint, err)
	}
	resp, err := c.cli.Status(ctx, endpoint)
	if err != nil {
		return Status{}, fmt.Errorf("cannot get etcd status of %s: %w", endpoint, err)
	}
	return Status{
		Endpoint:  endpoint,
		MemberID:  resp.Header.MemberId,
		Leader:    resp.Leader,
		Version:   resp.Version,
		Revision:  resp.Header.Revision,
		RaftIndex: resp.RaftIndex,
		DBSize:    resp.DbSize,
		IsLearner: resp.IsLearner,
		Errors:    append([]string(nil), resp.Errors...),
	}, nil
}

// Alarms implements Cluster.
func (c *Client) Alarms(ctx context.Context) ([]Alarm, error) {
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	resp, err := c.cli.AlarmList(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot list etcd alarms: %w", err)
	}
	out := make([]Alarm, 0, len(resp.Alarms))
	for _, a := range resp.Alarms {
		out = append(out, Alarm{MemberID: a.MemberID, Type: a.Alarm.String()})
	}
	return out, nil
}

func hasMember(members []Member, id uint64) bool {
	for _, m := range members {
		if m.ID == id {
			return true
		}
	}
	return false
}
