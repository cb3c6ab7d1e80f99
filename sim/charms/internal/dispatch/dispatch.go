// Package dispatch is what every partner charm's main does: read the event
// Juju (or jujusim) describes in the environment, build the exec hook tools,
// run the charm's handler and turn its outcome into the exit code, with
// internal/juju's Run as the etcd charm does.
package dispatch

import (
	"context"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// Main runs the handler newHandler builds from the hook tools and the
// unit's root ($SNAPPY_GLOBAL_ROOT, default "/") and returns the exit code.
func Main(newHandler func(tools *juju.ExecTools, root string) juju.Handler) int {
	ev, err := juju.ParseEvent(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		return juju.ExitError
	}
	root := os.Getenv("SNAPPY_GLOBAL_ROOT")
	if root == "" {
		root = "/"
	}
	tools := juju.NewExecTools()
	return juju.Run(context.Background(), ev, tools, newHandler(tools, root), os.Stderr)
}
