package charm

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// action runs one of the actions in actions.yaml.
func (c *Charm) action(ctx context.Context, ev juju.Event) error {
	switch ev.Name {
	case "list-issued":
		return c.listIssued(ctx)
	default:
		return juju.Failf("unknown action %q", ev.Name)
	}
}

// listIssued reports the PKI's certificate database: every certificate
// EasyRSA signed on this unit, one "<status> <serial> <subject>" line each
// (status V valid, R revoked, E expired). Only the unit that holds the CA
// (the leader) has one.
func (c *Charm) listIssued(ctx context.Context) error {
	if !c.PKI.HasCA() {
		return juju.Failf("this unit holds no CA; run the action on the leader")
	}
	entries, err := c.PKI.Index()
	if err != nil {
		return err
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = fmt.Sprintf("%s %s %s", e.Status, e.Serial, e.Subject)
	}
	return c.Tools.ActionSet(ctx, map[string]string{
		"count":        strconv.Itoa(len(entries)),
		"certificates": strings.Join(lines, "\n"),
	})
}
