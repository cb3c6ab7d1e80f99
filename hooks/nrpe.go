package hooks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// ensureNRPE installs layer-etcd's two NRPE checks while an
// nrpe-external-master relation exists, and removes them when it is gone.
// The check programs are small scripts running this charm binary's check
// subcommands (cmd/etcd-charm check-alarms, check-service), so they follow
// the charm across upgrades. Files are written only when they differ.
func ensureNRPE(ctx context.Context, d Deps, w *world) error {
	ids, err := d.Tools.RelationIDs(ctx, "nrpe-external-master")
	if err != nil {
		return fmt.Errorf("cannot list nrpe-external-master relations: %w", err)
	}
	if len(ids) == 0 {
		return removeNRPE(ctx, d)
	}
	var hostname, hostContext string
	units, err := d.Tools.RelationList(ctx, ids[0])
	if err != nil {
		return fmt.Errorf("cannot list the nrpe units: %w", err)
	}
	if len(units) > 0 {
		bag, err := d.Tools.RelationGet(ctx, ids[0], units[0], false)
		if err != nil {
			return fmt.Errorf("cannot read the nrpe unit's data: %w", err)
		}
		hostname, hostContext = bag[relations.NagiosHostnameKey], bag[relations.NagiosHostContextKey]
	}
	h := charm.NagiosHostFor(w.cfg, w.ev.Unit, hostname, hostContext)
	p := d.Paths
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{p.AlarmPlugin(), charm.PluginScript(p, w.ev.CharmDir, "check-alarms"), 0o755},
		{p.ServicePlugin(), charm.PluginScript(p, w.ev.CharmDir, "check-service"), 0o755},
		{p.AlarmCron(), charm.AlarmCronFile(p, w.ev.CharmDir), 0o644},
	}
	checks := charm.NRPEChecks(p, h)
	exportDir := workload.Exists(p.NagiosExportDir())
	for _, c := range checks {
		files = append(files, struct {
			path string
			data []byte
			mode os.FileMode
		}{c.CheckPath(p), c.CheckFile(h), 0o644})
		if exportDir {
			// charmhelpers writes the service definition only where the
			// nrpe subordinate made the export directory.
			files = append(files, struct {
				path string
				data []byte
				mode os.FileMode
			}{c.ServicePath(p, h), c.ServiceFile(h), 0o644})
		}
	}
	wrote := 0
	for _, f := range files {
		changed, err := workload.WriteFile(f.path, f.data, f.mode)
		if err != nil {
			return fmt.Errorf("cannot install the nrpe checks: %w", err)
		}
		if changed {
			wrote++
		}
	}
	if !workload.Exists(p.AlarmCache()) {
		// layer-etcd starts the cron's cache empty.
		if _, err := workload.WriteFile(p.AlarmCache(), nil, 0o644); err != nil {
			return fmt.Errorf("cannot install the nrpe checks: %w", err)
		}
	}
	if wrote > 0 {
		d.note(ctx, levelInfo, "installed the NRPE checks %s and %s for host %s", charm.CheckService, charm.CheckAlarms, h.Hostname)
	}
	monitors := map[string]string{}
	for _, c := range checks {
		monitors[c.Shortname] = c.Command()
	}
	value := relations.Monitors(monitors)
	for _, id := range ids {
		if _, err := publishOwn(ctx, d, w, id, relations.MonitorsKey, value); err != nil {
			return err
		}
	}
	return nil
}

// convergeNRPE is the nrpe-external-master hooks' handler: converge
// (which installs the checks once etcd serves), and when the relation is
// gone the checks go too, even if etcd does not serve: the checks do not
// depend on it, and the memo would otherwise skip their removal later.
func convergeNRPE(ctx context.Context, d Deps, ev juju.Event) error {
	err := converge(ctx, d, ev)
	var outcome *juju.Outcome
	if !strings.HasSuffix(ev.Name, "-relation-broken") || (err != nil && !errors.As(err, &outcome)) {
		return err
	}
	ids, lerr := d.Tools.RelationIDs(ctx, "nrpe-external-master")
	if lerr != nil {
		return fmt.Errorf("cannot list nrpe-external-master relations: %w", lerr)
	}
	if len(ids) == 0 {
		if rerr := removeNRPE(ctx, d); rerr != nil {
			return rerr
		}
	}
	return err
}

// removeNRPE removes what ensureNRPE installed (nothing to do when it
// installed nothing).
func removeNRPE(ctx context.Context, d Deps) error {
	p := d.Paths
	paths := []string{p.AlarmPlugin(), p.ServicePlugin(), p.AlarmCron(), p.AlarmCache()}
	for _, c := range charm.NRPEChecks(p, charm.NagiosHost{}) {
		paths = append(paths, c.CheckPath(p))
		exported, _ := filepath.Glob(filepath.Join(p.NagiosExportDir(), "service__*_"+c.Command()+".cfg"))
		paths = append(paths, exported...)
	}
	removed := 0
	for _, path := range paths {
		err := os.Remove(path)
		switch {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("cannot remove the nrpe checks: %w", err)
		}
	}
	if removed > 0 {
		d.note(ctx, levelInfo, "removed the NRPE checks: the nrpe-external-master relation is gone")
	}
	return nil
}
