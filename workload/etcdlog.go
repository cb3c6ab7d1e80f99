package workload

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
)

// EtcdLogLines is how much of etcd's journal is read for the reason it
// stopped: etcd's fatal record is among its last lines.
const EtcdLogLines = 40

// Journal reads a snap service's last journal lines (snap.Client's Logs).
type Journal interface {
	Logs(ctx context.Context, service string, n int) ([]string, error)
}

// EtcdLogged is the set of etcd's last journal lines before a restart:
// only a line not among them was written by the etcd the restart
// started (EtcdFatalSince).
func EtcdLogged(ctx context.Context, j Journal) (map[string]bool, error) {
	lines, err := j.Logs(ctx, charm.ServiceName, EtcdLogLines)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(lines))
	for _, l := range lines {
		seen[l] = true
	}
	return seen, nil
}

// EtcdFatalSince reads etcd's journal again and returns the fatal record
// it wrote since before (EtcdLogged's set), "" when there is none.
func EtcdFatalSince(ctx context.Context, j Journal, before map[string]bool) (string, error) {
	lines, err := j.Logs(ctx, charm.ServiceName, EtcdLogLines)
	if err != nil {
		return "", err
	}
	var fresh []string
	for _, l := range lines {
		if !before[l] {
			fresh = append(fresh, l)
		}
	}
	return charm.EtcdFatal(fresh), nil
}
