// Command layer-etcd is the dispatch binary of the layer-etcd stand-in:
// Juju (or jujusim) runs it for every hook.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/snapcore/snapd/client"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/dispatch"
	"github.com/etcd-charm/etcd-charm/sim/charms/layeretcd/charm"
)

// tools adds unit-get to the exec hook tools.
type tools struct{ *juju.ExecTools }

func (tools) UnitGet(ctx context.Context, key string) (string, error) {
	out, stderr, code, err := juju.ExecRunner(ctx, "unit-get", []string{key})
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", &juju.ToolError{Tool: "unit-get", Code: code, Stderr: string(stderr)}
	}
	return strings.TrimSpace(string(out)), nil
}

func main() {
	os.Exit(dispatch.Main(func(et *juju.ExecTools, root string) juju.Handler {
		t := tools{et}
		paths := charm.Paths{Root: root}
		socket := filepath.Join(root, "run", "snapd.socket")
		c := &charm.Charm{
			Tools: t,
			Snap:  snap.New(socket),
			Ctl: &charm.ExecCtl{
				Binary: paths.Etcdctl(), CA: paths.CA(), Cert: paths.ServerCert(), Key: paths.ServerKey(),
				Log: func(msg string) { _ = t.Log(context.Background(), "WARNING", msg) },
			},
			Paths:    paths,
			Volume:   charm.ExecVolume{},
			Connect:  connector(socket),
			Hostname: os.Hostname,
			Now:      time.Now,
			Sleep:    time.Sleep,
		}
		return c.Handle
	}))
}

// connector is `snap connect etcd:<plug> :<slot>` over snapd's API,
// waiting for the change.
func connector(socket string) func(ctx context.Context, plug, slot string) error {
	return func(ctx context.Context, plug, slot string) error {
		cl := client.New(&client.Config{Socket: socket, DisableAuth: true})
		id, err := cl.Connect("etcd", plug, "", slot)
		if err != nil {
			return err
		}
		for {
			chg, err := cl.Change(id)
			if err != nil {
				return err
			}
			if chg.Ready {
				if chg.Err != "" {
					return fmt.Errorf("%s", chg.Err)
				}
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}
