package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/workload"
)

// A restore and a rebuild end the same way: etcd's restore has written a
// one-member data directory (a new cluster ID) beside the member's, and
// it takes the member's place. swapIn does that with etcd stopped; the
// previous data and etcd.conf.yml go back if the new member does not
// serve. recordRestored then makes Juju's records describe the new
// cluster and sets force_rejoin, so every other unit leaves the old one
// and joins the new one (hooks/rejoin.go). takeOver runs both, for
// either action.

// swap is the prepared data and how to put it in place.
type swap struct {
	what     string // "restore" or "rebuild", for the progress lines
	done     string // "restored" or "rebuilt"
	local    localMember
	restored string // etcd's restore's data directory, beside the data dir
	initial  string // the new cluster's initial cluster (this member)
	token    string
	// backupTo archives the current data there first ("": no backup).
	backupTo string
	// keepOld leaves the previous data beside the data directory (its
	// path in results) instead of deleting it once the new member serves.
	keepOld bool
	// untouched is what a failure before the swap says of the cluster.
	untouched string
	began     time.Time
	// progress logs the phases without waiting for the hook tools (nil:
	// d.phase): two of them while etcd is down.
	progress *phaseLog
}

func (s swap) phase(ctx context.Context, d Deps, format string, args ...any) {
	if s.progress != nil {
		s.progress.phase(format, args...)
		return
	}
	d.phase(ctx, format, args...)
}

// swapIn stops etcd, puts s.restored in place of the member's data, writes
// etcd.conf.yml for a new one-member cluster and starts etcd, waiting for
// it to serve as the only member. Once it serves, the previous data is
// deleted (unless s.keepOld) in the background, while the caller updates
// Juju's records (a few hook-tool calls; deleting a data directory of a
// few hundred MB takes as long): removed waits for that.
func swapIn(ctx context.Context, d Deps, s swap, results map[string]string) (st etcd.Status, removed func(), err error) {
	st, old, err := swapData(ctx, d, s, results)
	if err != nil || old == "" {
		return st, func() {}, err
	}
	done := make(chan error, 1)
	go func() { done <- os.RemoveAll(old) }()
	return st, func() {
		if err := <-done; err != nil {
			d.logf("cannot remove the pre-%s data %s: %v", s.what, old, err)
		}
	}, nil
}

// swapData is swapIn up to the serving member; it returns the previous
// data's path when it is to be deleted.
func swapData(ctx context.Context, d Deps, s swap, results map[string]string) (etcd.Status, string, error) {
	since := func() time.Duration { return time.Since(s.began).Round(time.Millisecond) }
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return etcd.Status{}, "", juju.Failf("Cannot stop etcd to swap in the %s data: %v. %s", s.done, err, s.untouched)
	}
	s.phase(ctx, d, "%s: etcd stopped at %s", s.what, since())
	dataDir := s.local.conf.DataDir
	if s.backupTo != "" {
		if err := backupData(d, s.backupTo, dataDir, results); err != nil {
			return etcd.Status{}, "", restartAfter(ctx, d, juju.Failf("Cannot back up the current data: %v. %s", err, s.untouched))
		}
	}
	old := dataDir + ".pre-" + s.what + "-" + stamp(d.now())
	hadData := workload.Exists(dataDir)
	if hadData {
		if err := os.Rename(dataDir, old); err != nil {
			return etcd.Status{}, "", restartAfter(ctx, d, juju.Failf("Cannot move the current data aside: %v. %s", err, s.untouched))
		}
	}
	// undo puts the previous data and configuration back and starts etcd
	// on them.
	undo := func(what string, cause error) error {
		_ = d.Snap.Stop(ctx, charm.ServiceName)
		errs := []error{os.RemoveAll(dataDir), writeConfig(d, s.local.raw)}
		if hadData {
			errs = append(errs, os.Rename(old, dataDir))
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("cannot %s: %s: %v; and cannot put the previous data back from %s: %w", s.what, what, cause, old, err)
		}
		return restartAfter(ctx, d, juju.Failf("%s: %v. The previous data and configuration are back in place.", what, cause))
	}
	if err := os.Rename(s.restored, dataDir); err != nil {
		return etcd.Status{}, "", undo("Cannot move the "+s.done+" data into place", err)
	}
	conf := s.local.conf
	conf.InitialCluster, conf.InitialClusterState, conf.InitialClusterToken = s.initial, "new", s.token
	if err := writeConfig(d, conf.Render()); err != nil {
		return etcd.Status{}, "", undo("Cannot write etcd.conf.yml for the "+s.done+" member", err)
	}
	if err := d.Snap.Start(ctx, charm.ServiceName); err != nil {
		return etcd.Status{}, "", undo("Cannot start etcd on the "+s.done+" data", err)
	}
	s.phase(ctx, d, "%s: etcd started on the %s data at %s; waiting for it to serve", s.what, s.done, since())
	st, err := waitRestored(ctx, d, s.local.ClientURL)
	if err != nil {
		return etcd.Status{}, "", undo("The "+s.done+" member does not serve", err)
	}
	s.phase(ctx, d, "%s: the %s member serves at %s", s.what, s.done, since())
	if !hadData {
		return st, "", nil
	}
	if s.keepOld {
		results[s.what+".previous-data"] = d.Paths.Unroot(old)
		return st, "", nil
	}
	return st, old, nil
}

// takeOver swaps the prepared data in (swapIn), records the new cluster
// with a new force_rejoin (recordRestored), waits for the old data's
// removal and reports the new member in
// results under s.what: its id, revision and initial cluster.
func takeOver(ctx context.Context, d Deps, s swap, results map[string]string) (etcd.Status, error) {
	st, removed, err := swapIn(ctx, d, s, results)
	if err != nil {
		return st, err
	}
	// Juju's records are written while the old data is deleted.
	err = recordRestored(ctx, d, s.local, s.initial, s.token, newRejoinToken())
	removed()
	if err != nil {
		return st, err
	}
	results[s.what+".member-id"] = fmt.Sprintf("%x", st.MemberID)
	results[s.what+".revision"] = fmt.Sprint(st.Revision)
	results[s.what+".initial-cluster"] = s.initial
	return st, nil
}

// dismantle removes every other member from the running cluster, through
// this member (layer-etcd's restore does it too): the old cluster must
// not go on serving its data beside the restored one. It runs only once
// everything that can fail on a bad snapshot has been checked.
func dismantle(ctx context.Context, d Deps, local localMember) ([]string, error) {
	cl, err := dial(ctx, d, []string{local.ClientURL})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		return nil, juju.Failf("Cannot restore: the cluster does not answer (%v). The running cluster was not changed.", err)
	}
	var removed []string
	for _, m := range members {
		if m.Name == local.conf.Name || hasURL(m.PeerURLs, local.PeerURL) {
			continue
		}
		if err := removeWhenHealthy(ctx, cl, m.ID); err != nil {
			return removed, juju.Failf("Cannot remove member %s from the old cluster: %v. Removed so far: %v; this unit's data was not changed, run restore again.", memberLabel(m), err, removed)
		}
		removed = append(removed, memberLabel(m))
	}
	return removed, nil
}

func memberLabel(m etcd.Member) string {
	if m.Name != "" {
		return m.Name
	}
	return fmt.Sprintf("%x", m.ID)
}

func hasURL(urls []string, u string) bool {
	for _, x := range urls {
		if x == u {
			return true
		}
	}
	return false
}

// clusterAnswers checks that the cluster answers its member list through
// this member, before a restore of several units starts anything.
func clusterAnswers(ctx context.Context, d Deps, local localMember) error {
	cl, err := dial(ctx, d, []string{local.ClientURL})
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := cl.Members(ctx); err != nil {
		return juju.Failf("Cannot restore on a unit whose cluster does not answer (%v): restore removes the other members first. After a lost majority, run rebuild-cluster first. The running cluster was not changed.", err)
	}
	return nil
}

// newRejoinToken is a force_rejoin value: layer-etcd's is a uuid4's hex.
func newRejoinToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b)
}

// unhealthyWait bounds how long dismantle waits out etcd's refusal of a
// membership change while a member has been connected for less than its
// health interval (5 s: a member that just started or restarted), and
// unhealthyPoll is how often it asks again.
var (
	unhealthyWait = 15 * time.Second
	unhealthyPoll = 250 * time.Millisecond
)

// removeWhenHealthy removes member id, asking again while etcd answers
// that the cluster is not healthy enough for the change yet (layer-etcd's
// restore retries its removals too).
func removeWhenHealthy(ctx context.Context, cl etcd.Cluster, id uint64) error {
	deadline := time.Now().Add(unhealthyWait)
	for {
		err := cl.Remove(ctx, id)
		if !errors.Is(err, etcd.ErrUnhealthy) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(unhealthyPoll):
		}
	}
}
