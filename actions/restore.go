package actions

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snaparchive"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// restoreServe bounds the wait for the restored member to serve, and
// restorePoll is how often it is asked.
var (
	restoreServe = defaultServe
	restorePoll  = defaultPoll
)

const (
	defaultServe = 2 * time.Minute
	// A poll is a TCP connect to a closed port until etcd listens, then
	// one TLS dial and status: cheap enough to ask often, and the
	// restored member serves within a second.
	defaultPoll = 20 * time.Millisecond
)

// restore replaces the cluster's data with the snapshot attached as the
// `snapshot` resource. As the documented procedure requires, it runs only
// on the leader of a one-unit application; units added afterwards join
// the restored cluster the usual way.
//
// It never loses data. Everything that can fail on a bad snapshot comes
// first, while etcd keeps serving: the archive is unpacked (inflated in
// one goroutine, written in another) beside the data directory and
// restored with etcd's own restore into a new directory there (a new
// cluster ID, this member only), while etcd's integrity hash of the
// unpacked db is checked in a third goroutine (etcd's restore is told to
// skip its own check, which would read the db again); layer-etcd's raw db
// copies, which have no hash, are checked with `etcdutl snapshot status`
// before etcd's restore. Only once both succeeded is etcd stopped, the current data backed up (unless
// skip-backup), the directories swapped, etcd.conf.yml rewritten for a
// fresh one-member cluster and etcd started. The old data is deleted only
// once the restored member serves; if it does not, the old data and
// configuration go back and etcd starts on them again.
func restore(ctx context.Context, d Deps, ev juju.Event) error {
	p, err := getParams(ctx, d)
	if err != nil {
		return err
	}
	target := p.string("target", "/home/ubuntu")
	skipBackup := p.bool("skip-backup", true)
	if p.err != nil {
		return p.err
	}
	if !skipBackup && !filepath.IsAbs(target) {
		return juju.Failf("target must be an absolute path, got %q", target)
	}
	leader, err := d.Tools.IsLeader(ctx)
	if err != nil {
		return fmt.Errorf("cannot check leadership: %w", err)
	}
	if !leader {
		return juju.Failf("This action can only be run on the leader unit")
	}
	peers, err := peerUnits(ctx, d)
	if err != nil {
		return err
	}
	archive, err := d.Tools.ResourceGet(ctx, "snapshot")
	if err != nil {
		return juju.Failf("Missing snapshot: attach one with `juju attach-resource %s snapshot=<etcd-snapshot-….tar.gz>`, then run restore again.", ev.App())
	}
	local, err := readLocal(d)
	if err != nil {
		return err
	}
	if d.Snap == nil {
		return errors.New("cannot restore: the charm was built without a snapd client")
	}
	if len(peers) > 0 {
		// The old cluster is dismantled through this member once the
		// snapshot proved good: it must answer now, or nothing starts.
		if err := clusterAnswers(ctx, d, local); err != nil {
			return err
		}
	}

	// Prepare beside the data directory, so the swap is two renames.
	dataDir := local.conf.DataDir
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return fmt.Errorf("cannot restore: %w", err)
	}
	staging, err := os.MkdirTemp(filepath.Dir(dataDir), ".restore-")
	if err != nil {
		return juju.Failf("Cannot restore: no room to prepare the restore beside %s: %v", d.Paths.Unroot(dataDir), err)
	}
	defer os.RemoveAll(staging)
	// The phases are logged without waiting for the hook tools: two of
	// them while etcd is down.
	progress := d.phaseLog(ctx)
	defer progress.close()
	untouched := "The running cluster was not changed."
	db := filepath.Join(staging, snaparchive.Entry)
	began := time.Now()
	notUsable := func(err error) error {
		var ns *snaparchive.NotSnapshotError
		if errors.As(err, &ns) {
			return juju.Failf("Cannot restore: %v. %s", err, untouched)
		}
		return fmt.Errorf("cannot restore: %w", err)
	}
	progress.phase("restore: unpacking and verifying the snapshot (%s)", humanSize(fileSize(archive)))
	verified, err := checkSnapshot(ctx, d, archive, db)
	if err != nil {
		return notUsable(err)
	}
	progress.phase("restore: snapshot unpacked: db %s", rate(fileSize(db), time.Since(began)))
	token := workload.NewToken()
	initial := relations.FormatInitialCluster([]relations.NamedURL{{Name: local.conf.Name, URL: local.PeerURL}})
	restored := filepath.Join(staging, "data")
	// etcd's restore works on the unpacked db while its integrity hash is
	// checked: it only writes into staging, thrown away if the hash fails.
	etcdutlBegan := time.Now()
	err = d.Etcd.SnapshotRestore(ctx, RestoreConfig{
		Snapshot: db, DataDir: restored, Name: local.conf.Name, PeerURL: local.PeerURL,
		InitialCluster: initial, Token: token,
		// Checked here instead (etcd's restore would read the whole db
		// once more for it), or by etcd's status for a db without one.
		SkipHashCheck: true,
	})
	etcdutlTook := time.Since(etcdutlBegan)
	if verr := verified(); verr != nil {
		return notUsable(verr)
	}
	if err != nil {
		return juju.Failf("Cannot restore the snapshot: %v. %s", err, untouched)
	}
	os.Remove(db) // free its space before the backup
	d.logf("restore: etcd's restore took %s, then %s waiting for the hash", etcdutlTook.Round(time.Millisecond), (time.Since(etcdutlBegan) - etcdutlTook).Round(time.Millisecond))
	progress.phase("restore: etcd's restore done at %s", time.Since(began).Round(time.Millisecond))

	// Every check passed: only now is the old cluster dismantled.
	results := map[string]string{}
	if len(peers) > 0 {
		removed, err := dismantle(ctx, d, local)
		if err != nil {
			return err
		}
		progress.phase("restore: removed the other members (%s) at %s", strings.Join(removed, ", "), time.Since(began).Round(time.Millisecond))
		untouched = "This unit's data is unchanged; the other members were removed from the cluster: run restore again."
	}
	s := swap{what: "restore", done: "restored", local: local, restored: restored, initial: initial, token: token, untouched: untouched, began: began, progress: progress}
	if !skipBackup {
		s.backupTo = target
	}
	// Once the restored member serves, Juju's records match it; the
	// other units leave the old cluster and join this one.
	st, err := takeOver(ctx, d, s, results)
	if err != nil {
		return err
	}
	results["restore.version"] = st.Version
	return d.Tools.ActionSet(ctx, results)
}

// checkSnapshot unpacks the archive's db to db and starts verifying it:
// etcd's integrity hash when the snapshot has one (checked in the
// background: the db must not be trusted before wait returns nil), else
// etcd's own reading of it (layer-etcd's snapshots were raw copies of the
// db), done before it returns.
func checkSnapshot(ctx context.Context, d Deps, archive, db string) (wait func() error, err error) {
	check, err := snaparchive.Extract(archive, db)
	if err != nil {
		return nil, err
	}
	if check != nil {
		return check, nil
	}
	status, err := d.Etcd.SnapshotStatus(ctx, db)
	if err != nil {
		return nil, snaparchive.NotSnapshot("the snapshot has no integrity hash and etcd cannot read its db (%v)", err)
	}
	d.logf("snapshot status: %s", status)
	return func() error { return nil }, nil
}

// backupData archives the stopped member's data directory as
// <target>/etcd-data-<YYYYmmdd-HHMMSS>.tar.gz (layer-etcd's name).
func backupData(d Deps, target, dataDir string, results map[string]string) error {
	if !workload.Exists(dataDir) {
		results["backup.error"] = "no data found to back up"
		return nil
	}
	dir := d.Paths.Join(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, "etcd-data-"+d.now().UTC().Format("20060102-150405")+".tar.gz")
	if workload.Exists(name) {
		return fmt.Errorf("%s already exists", d.Paths.Unroot(name))
	}
	written, err := snaparchive.ArchiveTree(dataDir, name)
	if err != nil {
		return err
	}
	handOver(d, name)
	results["backup.path"] = d.Paths.Unroot(name)
	results["backup.sha256sum"] = written.SHA256
	return nil
}

// restartAfter starts etcd again after a failure that left its data as
// it was, and returns the failure.
func restartAfter(ctx context.Context, d Deps, failure error) error {
	if err := d.Snap.Start(ctx, charm.ServiceName); err != nil {
		return fmt.Errorf("%v; and cannot start etcd again: %w", failure, err)
	}
	return failure
}

// waitRestored waits for the restored member to answer as the only member.
func waitRestored(ctx context.Context, d Deps, endpoint string) (etcd.Status, error) {
	return waitFor(ctx, d, endpoint, func(cl etcd.Cluster) error {
		members, err := cl.Members(ctx)
		if err != nil {
			return err
		}
		if len(members) != 1 {
			return fmt.Errorf("it reports %d members, want only itself", len(members))
		}
		return nil
	}, nil)
}

// recordRestored makes the hooks' records describe the restored cluster:
// this unit's start settings (unit state, committed when the action
// exits 0) and the leader's cluster and token, with every admission of
// the old cluster withdrawn, so that `juju add-unit` grows the restored
// cluster the usual way. leader-set acts at once.
func recordRestored(ctx context.Context, d Deps, local localMember, initial, token, rejoin string) error {
	// The start record must describe the restored one-member cluster, or
	// the next hook would render the old cluster's initial settings and
	// restart etcd for nothing.
	state, err := workload.ReadUnitState(ctx, d.Tools)
	if err != nil {
		return err
	}
	next := state
	next.Start = charm.Start{InitialCluster: initial, State: "new", Token: token}
	next.Rejoin = rejoin
	if err := workload.WriteUnitState(ctx, d.Tools, state, next); err != nil {
		return fmt.Errorf("cannot record the restored cluster in unit state: %w", err)
	}
	current, err := d.Tools.LeaderGet(ctx)
	if err != nil {
		return fmt.Errorf("cannot read leader settings: %w", err)
	}
	addr := leaderAddress(local)
	if _, err := workload.SetLeader(ctx, d.Tools, relations.DecodeLeader(current), func(l *relations.Leader) {
		l.Cluster, l.Token, l.RestartLock, l.ForceRejoin = initial, token, "", rejoin
		if addr != "" {
			l.LeaderAddress = addr
		}
		l.Joins = map[string]string{}
	}); err != nil {
		return fmt.Errorf("cannot record the restored cluster in leader settings: %w", err)
	}
	return nil
}

// leaderAddress is layer-etcd's leader_address: the client port on the
// leader's cluster address.
func leaderAddress(local localMember) string {
	peer, err1 := url.Parse(local.PeerURL)
	client, err2 := url.Parse(local.ClientURL)
	if err1 != nil || err2 != nil || peer.Hostname() == "" {
		return ""
	}
	port, err := strconv.Atoi(client.Port())
	if err != nil {
		return ""
	}
	return relations.URL(peer.Hostname(), port)
}

// writeConfig replaces etcd.conf.yml atomically, mode 0644 as the hooks
// write it.
func writeConfig(d Deps, data []byte) error {
	path := d.Paths.ConfigFile()
	tmp := path + ".restore"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
