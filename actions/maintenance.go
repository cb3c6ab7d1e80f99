package actions

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// The maintenance actions talk to the local member with the charm's own
// identity, as layer-etcd's etcdctl calls did against 127.0.0.1, and set
// `output` to the text etcdctl printed for the same command.

// withLocal dials the local member and hands its client to f.
func withLocal(ctx context.Context, d Deps, f func(local localMember, cl etcd.Cluster, m etcd.Maintenance) error) error {
	local, cl, m, err := openLocal(ctx, d)
	if err != nil {
		return err
	}
	defer cl.Close()
	return f(local, cl, m)
}

// openLocal dials the local member; the caller closes cl.
func openLocal(ctx context.Context, d Deps) (local localMember, cl etcd.Cluster, m etcd.Maintenance, err error) {
	local, err = readLocal(d)
	if err != nil {
		return local, nil, nil, err
	}
	cl, err = dial(ctx, d, []string{local.ClientURL})
	if err != nil {
		return local, nil, nil, err
	}
	m, err = maintenance(cl)
	if err != nil {
		cl.Close()
		return local, nil, nil, err
	}
	return local, cl, m, nil
}

// compact discards the key history before `revision` (default: the
// member's current revision, as layer-etcd read it from endpoint status);
// `physical` waits until every member has applied it to its backend.
// Output: etcdctl's "compacted revision N".
func compact(ctx context.Context, d Deps, _ juju.Event) error {
	p, err := getParams(ctx, d)
	if err != nil {
		return err
	}
	revParam := strings.TrimSpace(p.string("revision", ""))
	physical := p.bool("physical", false)
	if p.err != nil {
		return p.err
	}
	var rev int64
	if revParam != "" {
		rev, err = strconv.ParseInt(revParam, 10, 64)
		if err != nil || rev <= 0 {
			return juju.Failf("revision must be a positive whole number or empty for the latest, got %q", revParam)
		}
	}
	return withLocal(ctx, d, func(local localMember, cl etcd.Cluster, m etcd.Maintenance) error {
		if rev == 0 {
			st, err := cl.Status(ctx, local.ClientURL)
			if err != nil {
				return juju.Failf("Failed to determine latest revision for compaction: %v", err)
			}
			rev = st.Revision
		}
		if err := m.Compact(ctx, rev, physical); err != nil {
			return juju.Failf("Cannot compact to revision %d: %v", rev, err)
		}
		return d.Tools.ActionSet(ctx, map[string]string{"output": fmt.Sprintf("compacted revision %d", rev)})
	})
}

// defrag defragments this unit's member only (it blocks the member while
// it runs; run it unit by unit). Output: etcdctl's "Finished
// defragmenting etcd member[URL]"; db.size.before/after tell what it
// reclaimed.
func defrag(ctx context.Context, d Deps, _ juju.Event) error {
	return withLocal(ctx, d, func(local localMember, cl etcd.Cluster, m etcd.Maintenance) error {
		before, err := cl.Status(ctx, local.ClientURL)
		if err != nil {
			return juju.Failf("Cannot read the status of %s: %v", local.ClientURL, err)
		}
		if err := m.Defragment(ctx, local.ClientURL); err != nil {
			return juju.Failf("Failed to defragment etcd member[%s] (%v)", local.ClientURL, err)
		}
		results := map[string]string{
			"output":         fmt.Sprintf("Finished defragmenting etcd member[%s]", local.ClientURL),
			"db.size.before": strconv.FormatInt(before.DBSize, 10),
		}
		if after, err := cl.Status(ctx, local.ClientURL); err == nil {
			results["db.size.after"] = strconv.FormatInt(after.DBSize, 10)
		}
		return d.Tools.ActionSet(ctx, results)
	})
}

// alarmList reports raised alarms one per line as etcdctl prints them
// ("memberID:N alarm:NOSPACE"); empty when none is raised.
func alarmList(ctx context.Context, d Deps, _ juju.Event) error {
	return withLocal(ctx, d, func(_ localMember, cl etcd.Cluster, _ etcd.Maintenance) error {
		alarms, err := cl.Alarms(ctx)
		if err != nil {
			return juju.Failf("Cannot list alarms: %v", err)
		}
		return d.Tools.ActionSet(ctx, map[string]string{"output": formatAlarms(alarms)})
	})
}

// alarmDisarm clears every alarm and reports the ones it cleared, as
// etcdctl alarm disarm prints them. Disarming NOSPACE without freeing
// space (compact, defrag, a bigger quota) only lets it fire again.
func alarmDisarm(ctx context.Context, d Deps, _ juju.Event) error {
	return withLocal(ctx, d, func(_ localMember, cl etcd.Cluster, m etcd.Maintenance) error {
		alarms, err := cl.Alarms(ctx)
		if err != nil {
			return juju.Failf("Cannot list alarms: %v", err)
		}
		if err := m.AlarmDisarm(ctx); err != nil {
			return juju.Failf("Cannot disarm alarms: %v", err)
		}
		return d.Tools.ActionSet(ctx, map[string]string{"output": formatAlarms(alarms)})
	})
}

func formatAlarms(alarms []etcd.Alarm) string {
	lines := make([]string, len(alarms))
	for i, a := range alarms {
		lines[i] = fmt.Sprintf("memberID:%d alarm:%s", a.MemberID, a.Type)
	}
	return strings.Join(lines, "\n")
}
