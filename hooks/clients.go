package hooks

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// publishClients writes the client relations' data: on every db relation
// the connection string of all started voting members, the version and the
// provider's global client credentials; on every proxy relation the member
// list and the same credentials. Every unit derives it from etcd's member
// list, so all units publish the same bytes. Outside the client
// relations' own hooks, data equal to what was published last is not
// written again (see memo.go).
func publishClients(ctx context.Context, d Deps, w *world, members []etcd.Member, version string) error {
	var urls []string
	var cluster []relations.NamedURL
	for _, m := range members {
		if !m.Started() || m.IsLearner {
			continue
		}
		urls = append(urls, m.ClientURLs...)
		for _, u := range m.PeerURLs {
			cluster = append(cluster, relations.NamedURL{Name: m.Name, URL: u})
		}
	}
	sort.Strings(urls)
	creds := relations.Client{ConnectionString: relations.ConnectionString(urls), Version: version}
	for _, f := range []struct {
		dst  *string
		path string
	}{{&creds.ClientCert, d.Paths.ClientCert()}, {&creds.ClientKey, d.Paths.ClientKey()}, {&creds.ClientCA, d.Paths.CACert()}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("cannot read client credentials: %w", err)
		}
		*f.dst = string(b)
	}
	all := map[string]map[string]string{
		"db":    creds.Settings(),
		"proxy": creds.ProxySettings(relations.FormatInitialCluster(cluster)),
	}
	digest := settingsDigest(all["db"], all["proxy"])
	if !w.fullCheck("db") && !w.fullCheck("proxy") && remembered(w.state.Memo.Clients, digest) {
		return nil
	}
	for endpoint, settings := range all {
		ids, err := d.Tools.RelationIDs(ctx, endpoint)
		if err != nil {
			return fmt.Errorf("cannot list %s relations: %w", endpoint, err)
		}
		for _, id := range ids {
			if err := d.Tools.RelationSet(ctx, id, false, settings); err != nil && !juju.IsRelationNotFound(err) {
				return fmt.Errorf("cannot publish to %s: %w", id, err)
			}
		}
	}
	w.state.Memo.Clients = digest
	return nil
}

// ensurePort opens the client port once etcd serves (and the metrics
// port while metrics_port is on), closing ports opened before a port
// change. The unit's ports change only through the charm, so a port it
// opened in a committed hook is still open.
func ensurePort(ctx context.Context, d Deps, w *world, port int) error {
	wanted := []string{fmt.Sprintf("%d/tcp", port)}
	if w.cfg.MetricsPort != 0 {
		wanted = append(wanted, fmt.Sprintf("%d/tcp", w.cfg.MetricsPort))
	}
	memo := strings.Join(wanted, ",")
	if !w.fullCheck("") && remembered(w.state.Memo.Port, memo) {
		return nil
	}
	opened, err := d.Tools.OpenedPorts(ctx)
	if err != nil {
		return fmt.Errorf("cannot list opened ports: %w", err)
	}
	for _, p := range opened {
		if slices.Contains(wanted, p) {
			continue
		}
		if err := d.Tools.ClosePort(ctx, p); err != nil {
			return fmt.Errorf("cannot close port %s: %w", p, err)
		}
	}
	for _, p := range wanted {
		if slices.Contains(opened, p) {
			continue
		}
		if err := d.Tools.OpenPort(ctx, p); err != nil {
			return err
		}
	}
	w.state.Memo.Port = memo
	return nil
}
