package actions

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// logged reports whether some action-log line has every part.
func logged(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestSnapshotLogsItsPhases(t *testing.T) {
	w := newWorld(t, 3)
	w.etcd.SetVersion("3.5.17")
	w.etcd.Put(99)
	w.d.Now = fixedClock(time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC))
	if code := w.run(t, "snapshot", map[string]any{"target": "/home/ubuntu/etcd-snapshots", "keys-version": "v3"}); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	logs := w.tools.ActionLogs
	if !logged(logs, "snapshot: taking a v3 snapshot", "etcd 3.5.17", "db ") {
		t.Errorf("no start line in %q", logs)
	}
	size := w.tools.ActionResults["snapshot.size"]
	if !logged(logs, "snapshot: wrote /home/ubuntu/etcd-snapshots/etcd-snapshot-2026-11-22-03.04.05.tar.gz: "+size+" in ", "/s)") {
		t.Errorf("no size and rate line (size %s) in %q", size, logs)
	}
	if !logged(w.tools.Logs, "INFO", "snapshot: wrote ") {
		t.Errorf("juju-log has no snapshot phase: %q", w.tools.Logs)
	}
}

func TestRestoreLogsItsPhases(t *testing.T) {
	w, _ := restoreWorld(t, tarGz(t, [2]string{"db", string(withHash(dbBytes(3, 'n')))}))
	if code := w.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true}); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	// Logged from a goroutine (the action does not wait for the hook
	// tools), yet all of them, in order, before the action ends.
	phases := []string{"restore: unpacking and verifying the snapshot", "restore: snapshot unpacked: db ", "restore: etcd's restore done", "restore: etcd stopped", "restore: etcd started on the restored data", "restore: the restored member serves"}
	for name, lines := range map[string][]string{"action-log": w.tools.ActionLogs, "juju-log": w.tools.Logs} {
		var got []string
		for _, l := range lines {
			for _, p := range phases {
				if strings.Contains(l, p) {
					got = append(got, p)
				}
			}
		}
		if !slices.Equal(got, phases) {
			t.Errorf("%s phases %q, want %q (in %q)", name, got, phases, lines)
		}
	}
}

// A log that cannot be written fails nothing: the restore goes on.
func TestRestoreWithoutActionLog(t *testing.T) {
	w, _ := restoreWorld(t, tarGz(t, [2]string{"db", string(withHash(dbBytes(3, 'n')))}))
	w.tools.Fail["action-log"] = errors.New("action-log is broken")
	if code := w.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true}); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	if w.tools.ActionResults["restore.member-id"] == "" {
		t.Errorf("results %v", w.tools.ActionResults)
	}
	if !logged(w.tools.Logs, "INFO", "restore: the restored member serves") {
		t.Errorf("juju-log %q", w.tools.Logs)
	}
}

func TestRate(t *testing.T) {
	if got := rate(3*1024*1024, 2*time.Second); got != "3.0M in 2s (1.5M/s)" {
		t.Errorf("rate = %q", got)
	}
}
