package hooks

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
)

// A hook costs a few milliseconds per hook-tool call (each is a process
// that asks the unit agent over its socket), and most hooks change
// nothing. The charm therefore remembers in unit state what it last
// published (its certificate request, its client relation data, the port
// it opened, the workload version) and skips the calls that would only
// repeat it. This is safe because of what Juju guarantees:
//
//   - unit state, relation settings and ports are committed together, and
//     only when the hook succeeds, so the memo never claims a write that
//     was lost;
//   - a change in a remote unit's relation data always runs a -changed
//     hook on this unit, and relations come and go only in their own
//     -created/-joined/-departed/-broken hooks, so outside those hooks
//     the relation data the charm last saw is still current.
//
// Hooks that may find a different world (install, start, upgrade-charm,
// config-changed) and the endpoint's own relation hooks always do the
// full work.
//
// The memo itself is charm.Memo in the typed unit state.

// remembered reports whether the memo memo holds value.
func remembered(memo, value string) bool {
	return value != "" && memo == value
}

// settingsDigest identifies relation settings (any number of bags).
func settingsDigest(bags ...map[string]string) string {
	var b strings.Builder
	for _, bag := range bags {
		keys := make([]string, 0, len(bag))
		for k := range bag {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%q=%q\n", k, bag[k])
		}
		b.WriteString("\x00")
	}
	return charm.Hash([]byte(b.String()))
}

// ensureVersion sets the application version (shown by juju status) when
// it is not the one this unit set last. application-version-set acts at
// once, even if the hook then fails; the memo is committed only with
// the hook, so a failed hook sets it again next time.
func ensureVersion(ctx context.Context, d Deps, w *world, version string) error {
	if !w.fullCheck("") && remembered(w.state.Memo.Version, version) {
		return nil
	}
	if err := d.Tools.ApplicationVersionSet(ctx, version); err != nil {
		return err
	}
	w.state.Memo.Version = version
	return nil
}
