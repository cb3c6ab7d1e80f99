package hooks

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/workload"
)

// checkPorts refuses a config whose ports another process holds
// (charm.NewListeners) before the unit announces them or moves: etcd
// would exit at once and crash-loop, and for a management_port change
// the peer URL would already have moved. It runs before the peer data is
// published and before the leader's duties and the member's plan, so the
// unit publishes no new URL, asks for no restart lock, moves no peer URL
// and restarts nothing: a running etcd keeps serving on its current
// ports, and the unit is blocked naming the port until it is free or the
// option changes back. Only a port in use blocks: an address that cannot
// be bound for another reason is etcd's to report.
func checkPorts(ctx context.Context, d Deps, w *world) error {
	// The listeners depend only on the config and the addresses, not on
	// how the member starts.
	ec, err := charm.BuildEtcdConfig(w.cfg, d.Paths, w.member, charm.Start{}, "")
	if err != nil {
		return fmt.Errorf("cannot render etcd.conf.yml: %w", err)
	}
	rendered := ec.Render()
	_, running, _ := workload.ReadEtcdConfig(d.Paths)
	listeners, err := charm.NewListeners(w.cfg, rendered, running)
	if err != nil || len(listeners) == 0 {
		return err
	}
	active := false
	if running != nil {
		if active, err = d.Snap.Active(ctx, charm.ServiceName); err != nil {
			return fmt.Errorf("cannot read etcd's service state: %w", err)
		}
		if !active {
			// A stopped etcd holds nothing.
			if listeners, err = charm.NewListeners(w.cfg, rendered, nil); err != nil {
				return err
			}
		}
	}
	for _, l := range listeners {
		err := d.ListenFree(l.Address)
		if errors.Is(err, syscall.EADDRINUSE) {
			return juju.Blocked("%s", l.BusyMessage(active))
		}
		if err != nil {
			d.logf("cannot check %s before etcd listens there: %v", l.Address, err)
		}
	}
	return nil
}
