package actions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/fsutil"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// rebuildCluster recovers a cluster that lost a majority of its voters for
// good, keeping this member's data: it is etcd's documented recovery from
// a disastrous failure, a new one-member cluster restored from a snapshot,
// where the snapshot is this member's own db file (etcd's op-guide,
// "Disaster recovery": "a snapshot may either be taken from a live member
// ... or by copying the member/snap/db file from an etcd data directory";
// https://etcd.io/docs/v3.6/op-guide/recovery/). etcd is stopped first,
// cleanly, so the db holds everything this member applied (the guide's
// caveat, data still only in the WAL, concerns a copy of a running
// member's file). The restored cluster has a new cluster ID, so a lost
// member that comes back can never mix its log into it.
//
// The steps are the restore action's: etcd's restore writes the new data
// directory beside the member's, then swapIn puts it in place (the
// previous data kept beside it, its path in the results), etcd starts as
// the only member, and force_rejoin tells every other unit to move its
// data aside and join the new cluster through the normal add path
// (hooks/rejoin.go). charm.DecideRebuild refuses it unless a majority is
// truly unreachable (or force), and on a unit without data.
func rebuildCluster(ctx context.Context, d Deps, ev juju.Event) error {
	p, err := getParams(ctx, d)
	if err != nil {
		return err
	}
	force := p.bool("force", false)
	if p.err != nil {
		return p.err
	}
	leader, err := d.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("cannot check leadership: %w", err)
	}
	local, err := readLocal(d)
	if err != nil {
		return err
	}
	if d.Snap == nil {
		return errors.New("cannot rebuild: the charm was built without a snapd client")
	}
	dataDir := local.conf.DataDir
	v := charm.RebuildView{IsLeader: leader, HasData: workload.HasMemberData(dataDir), Force: force}
	if v.IsLeader && v.HasData {
		observeVoters(ctx, d, local, &v)
	}
	if refusal := charm.DecideRebuild(v); refusal != "" {
		return juju.Failf("%s", refusal)
	}
	var dropped []string
	for _, m := range v.Voters {
		if m != local.conf.Name {
			dropped = append(dropped, m)
		}
	}

	staging, err := os.MkdirTemp(filepath.Dir(dataDir), ".rebuild-")
	if err != nil {
		return juju.Failf("Cannot rebuild: no room to prepare beside %s: %v", d.Paths.Unroot(dataDir), err)
	}
	defer os.RemoveAll(staging)
	began := time.Now()
	untouched := "This member's data is unchanged."
	// etcd serves nothing without a quorum; it stops so that its db file
	// is complete and still.
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return juju.Failf("Cannot stop etcd to copy its data: %v. %s", err, untouched)
	}
	d.phase(ctx, "rebuild: etcd stopped; copying this member's db")
	db := filepath.Join(staging, "db")
	if err := fsutil.CopyFile(filepath.Join(dataDir, "member", "snap", "db"), db, 0o600, fsutil.Options{Sync: true, Private: true}); err != nil {
		return restartAfter(ctx, d, juju.Failf("Cannot copy this member's db: %v. %s", err, untouched))
	}
	if _, err := d.Etcd.SnapshotStatus(ctx, db); err != nil {
		return restartAfter(ctx, d, juju.Failf("etcd cannot read this member's db (%v): rebuild from a snapshot with the restore action instead. %s", err, untouched))
	}
	token := workload.NewToken()
	initial := relations.FormatInitialCluster([]relations.NamedURL{{Name: local.conf.Name, URL: local.PeerURL}})
	restored := filepath.Join(staging, "data")
	if err := d.Etcd.SnapshotRestore(ctx, RestoreConfig{
		Snapshot: db, DataDir: restored, Name: local.conf.Name, PeerURL: local.PeerURL,
		InitialCluster: initial, Token: token,
		SkipHashCheck: true, // a copied db has no integrity hash
	}); err != nil {
		return restartAfter(ctx, d, juju.Failf("Cannot rebuild: etcd's restore of this member's db failed: %v. %s", err, untouched))
	}
	os.Remove(db)
	d.phase(ctx, "rebuild: etcd's restore of this member's db done at %s", time.Since(began).Round(time.Millisecond))
	results := map[string]string{}
	st, err := takeOver(ctx, d, swap{
		what: "rebuild", done: "rebuilt", local: local, restored: restored, initial: initial, token: token,
		keepOld: true, untouched: untouched, began: began,
	}, results)
	if err != nil {
		return err
	}
	results["rebuild.dropped"] = strings.Join(dropped, ",")
	results["rebuild.message"] = fmt.Sprintf("%s serves alone with this member's data (revision %d); the other units move their data aside and join it one at a time.", ev.App(), st.Revision)
	return d.Tools.ActionSet(ctx, results)
}

// observeVoters asks this unit's etcd for the voters it knows (without a
// quorum) and each voter's etcd for its status (local to a member).
func observeVoters(ctx context.Context, d Deps, local localMember, v *charm.RebuildView) {
	if d.Dial == nil {
		return
	}
	cl, err := d.Dial(ctx, []string{local.ClientURL}, workload.TLS(d.Paths))
	if err != nil {
		return
	}
	defer cl.Close()
	members, err := cl.LocalMembers(ctx, local.ClientURL)
	if err != nil {
		return
	}
	v.Answered = true
	for _, m := range members {
		if m.IsLearner {
			continue
		}
		name := memberLabel(m)
		v.Voters = append(v.Voters, name)
		for _, u := range m.ClientURLs {
			if _, err := cl.Status(ctx, u); err == nil {
				v.Up = append(v.Up, name)
				break
			}
		}
	}
}
