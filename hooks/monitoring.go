package hooks

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// The monitoring relations, as layer-etcd serves them
// (layer-etcd-reference.md §6), plus COS:
//   - prometheus (prometheus-manual): the leader publishes one scrape job
//     of every member's client URL over https with the CA and the global
//     client certificate, and reads Prometheus's answer;
//   - grafana (grafana-dashboard): the leader publishes the dashboard,
//     its datasource the related Prometheus application's;
//   - nrpe-external-master: every unit installs the service and alarm
//     checks and tells the nrpe subordinate their commands;
//   - cos-agent: every unit publishes its scrape job, the dashboard and
//     the alert rules for grafana-agent / opentelemetry-collector.
//
// A relation's data goes with the relation when it is removed, so leaving
// needs no writes; the NRPE files the charm put on disk are removed.
var monitoringEndpoints = []string{"prometheus", "grafana", "nrpe-external-master", "cos-agent"}

// credentials are the files the scrape jobs authenticate with.
type credentials struct{ ca, cert, key string }

func readCredentials(p charm.Paths) (credentials, error) {
	var c credentials
	for _, f := range []struct {
		dst  *string
		path string
	}{{&c.ca, p.CACert()}, {&c.cert, p.ClientCert()}, {&c.key, p.ClientKey()}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return c, fmt.Errorf("cannot read client credentials: %w", err)
		}
		*f.dst = string(b)
	}
	return c, nil
}

// ensureMonitoring brings the monitoring relations up to date once etcd
// serves. Like the client relations, its inputs are remembered (memo.go):
// outside the monitoring relations' own hooks and the hooks that may see
// a new world, unchanged inputs mean nothing to do.
func ensureMonitoring(ctx context.Context, d Deps, w *world, members []etcd.Member) error {
	var urls []string
	for _, m := range members {
		if m.Started() && !m.IsLearner {
			urls = append(urls, m.ClientURLs...)
		}
	}
	creds, err := readCredentials(d.Paths)
	if err != nil {
		return err
	}
	targets := relations.PrometheusTargets(urls)
	digest := settingsDigest(map[string]string{
		"leader":        fmt.Sprint(w.leader),
		"targets":       strings.Join(targets, ","),
		"ca":            creds.ca,
		"cert":          creds.cert,
		"key":           creds.key,
		"context":       w.cfg.NagiosContext,
		"servicegroups": w.cfg.NagiosServicegroups,
		"port":          fmt.Sprint(w.cfg.Port),
		"metrics":       fmt.Sprint(w.cfg.MetricsPort),
		"charm":         w.ev.CharmDir,
	})
	if !slices.ContainsFunc(monitoringEndpoints, w.fullCheck) && remembered(w.state.Memo.Monitoring, digest) {
		return nil
	}
	if err := publishScrapeJobs(ctx, d, w, targets, creds); err != nil {
		return err
	}
	if err := publishDashboards(ctx, d, w); err != nil {
		return err
	}
	if err := ensureNRPE(ctx, d, w); err != nil {
		return err
	}
	if err := publishCOSAgent(ctx, d, w, creds); err != nil {
		return err
	}
	w.state.Memo.Monitoring = digest
	return nil
}

// newRequestID is a random (version 4) UUID, as charms.reactive's
// requests use.
func newRequestID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// request is one reactive request this unit published before.
type request struct {
	id, value string
}

// ownRequests reads this unit's bag on relation id and returns it with the
// request of the given name (matched by match on the decoded value, as
// charms.reactive's create_or_update matches a field) first if there is
// one, and every request key.
func ownRequests(ctx context.Context, d Deps, w *world, id string, match func(string) bool) (bag map[string]string, found request, err error) {
	bag, err = d.Tools.RelationGet(ctx, id, w.ev.Unit, false)
	if err != nil {
		return nil, request{}, fmt.Errorf("cannot read this unit's data on %s: %w", id, err)
	}
	for _, rid := range relations.Requests(bag) {
		if v := bag[relations.RequestKey(rid)]; found.id == "" && match(v) {
			found = request{rid, v}
		}
	}
	return bag, found, nil
}

// setRequest writes value as the one request on relation id (deleting any
// other this unit published); an empty value withdraws them all.
func setRequest(ctx context.Context, d Deps, id string, bag map[string]string, rid, value string) (bool, error) {
	changes := map[string]string{}
	for _, other := range relations.Requests(bag) {
		if other != rid || value == "" {
			changes[relations.RequestKey(other)] = ""
		}
	}
	if value != "" && bag[relations.RequestKey(rid)] != value {
		changes[relations.RequestKey(rid)] = value
	}
	for k, v := range changes {
		if v == "" && bag[k] == "" {
			delete(changes, k)
		}
	}
	if len(changes) == 0 {
		return false, nil
	}
	if err := d.Tools.RelationSet(ctx, id, false, changes); err != nil && !juju.IsRelationNotFound(err) {
		return false, fmt.Errorf("cannot publish to %s: %w", id, err)
	}
	return true, nil
}

// publishOwn sets key to value in this unit's bag on relation id unless
// the bag holds it already, and says whether it wrote. A relation removed
// meanwhile is no error (its data went with it).
func publishOwn(ctx context.Context, d Deps, w *world, id, key, value string) (bool, error) {
	own, err := d.Tools.RelationGet(ctx, id, w.ev.Unit, false)
	if err != nil {
		return false, fmt.Errorf("cannot read this unit's data on %s: %w", id, err)
	}
	if own[key] == value {
		return false, nil
	}
	if err := d.Tools.RelationSet(ctx, id, false, map[string]string{key: value}); err != nil && !juju.IsRelationNotFound(err) {
		return false, fmt.Errorf("cannot publish to %s: %w", id, err)
	}
	return true, nil
}

// noteResponse logs the remote side's answer to request rid, read in the
// relation's own hooks (the only ones where it can have changed).
func noteResponse(ctx context.Context, d Deps, w *world, endpoint, id, rid, what string) error {
	if w.ev.RelationID != id {
		return nil
	}
	units, err := d.Tools.RelationList(ctx, id)
	if err != nil {
		return fmt.Errorf("cannot list the units of %s: %w", id, err)
	}
	remote := map[string]map[string]string{}
	for _, u := range units {
		bag, err := d.Tools.RelationGet(ctx, id, u, false)
		if err != nil {
			return fmt.Errorf("cannot read the data of %s: %w", u, err)
		}
		remote[u] = bag
	}
	resp, ok := relations.FindResponse(remote, rid)
	switch {
	case !ok:
	case resp.Success:
		d.logf("%s accepted the %s (%s)", endpoint, what, id)
	default:
		d.note(ctx, levelWarning, "%s refused the %s on %s: %s", endpoint, what, id, resp.Reason)
	}
	return nil
}

// publishScrapeJobs keeps the leader's scrape job on every prometheus
// relation (the request id of the job already published is kept, so
// Prometheus sees an update, not a new job); other units publish none.
func publishScrapeJobs(ctx context.Context, d Deps, w *world, targets []string, creds credentials) error {
	ids, err := d.Tools.RelationIDs(ctx, "prometheus")
	if err != nil {
		return fmt.Errorf("cannot list prometheus relations: %w", err)
	}
	for _, id := range ids {
		bag, found, err := ownRequests(ctx, d, w, id, func(v string) bool {
			j, err := relations.DecodeScrapeJob(v)
			return err == nil && j.JobName == relations.PrometheusJobName
		})
		if err != nil {
			return err
		}
		if !w.leader {
			if _, err := setRequest(ctx, d, id, bag, "", ""); err != nil {
				return err
			}
			continue
		}
		rid := found.id
		if rid == "" {
			rid = newRequestID()
		}
		job := relations.ScrapeJob{
			RequestID: rid, JobName: relations.PrometheusJobName, Scheme: "https", Targets: targets,
			CACert: creds.ca, ClientCert: creds.cert, ClientKey: creds.key,
		}
		changed, err := setRequest(ctx, d, id, bag, rid, job.Encode())
		if err != nil {
			return err
		}
		if changed {
			d.note(ctx, levelInfo, "published the Prometheus scrape job on %s: %s", id, strings.Join(targets, ", "))
		}
		if err := noteResponse(ctx, d, w, "prometheus", id, rid, "scrape job"); err != nil {
			return err
		}
	}
	return nil
}

// publishDashboards keeps the leader's dashboard on every grafana
// relation. As in layer-etcd, the dashboard's datasource is the first
// related Prometheus's, so there is no dashboard without one.
func publishDashboards(ctx context.Context, d Deps, w *world) error {
	ids, err := d.Tools.RelationIDs(ctx, "grafana")
	if err != nil {
		return fmt.Errorf("cannot list grafana relations: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	var datasource string
	if w.leader {
		proms, err := d.Tools.RelationIDs(ctx, "prometheus")
		if err != nil {
			return fmt.Errorf("cannot list prometheus relations: %w", err)
		}
		if len(proms) == 0 {
			d.logf("no prometheus relation: the Grafana dashboard waits for its datasource")
		} else {
			app, err := d.Tools.RelationRemoteApp(ctx, proms[0])
			if err != nil {
				return fmt.Errorf("cannot name the prometheus application: %w", err)
			}
			datasource = relations.DatasourceName(app)
		}
	}
	for _, id := range ids {
		bag, found, err := ownRequests(ctx, d, w, id, func(v string) bool {
			r, err := relations.DecodeDashboardRequest(v)
			return err == nil && r.Name == relations.DashboardName
		})
		if err != nil {
			return err
		}
		if datasource == "" {
			// Not the leader, or no datasource yet: publish nothing.
			if _, err := setRequest(ctx, d, id, bag, "", ""); err != nil {
				return err
			}
			continue
		}
		model, err := charm.Dashboard(datasource)
		if err != nil {
			return err
		}
		rid := found.id
		if rid == "" {
			rid = newRequestID()
		}
		req := relations.DashboardRequest{RequestID: rid, Name: relations.DashboardName, Dashboard: model}
		changed, err := setRequest(ctx, d, id, bag, rid, req.Encode())
		if err != nil {
			return err
		}
		if changed {
			d.note(ctx, levelInfo, "published the Grafana dashboard on %s (datasource %q)", id, datasource)
		}
		if err := noteResponse(ctx, d, w, "grafana", id, rid, "dashboard"); err != nil {
			return err
		}
	}
	return nil
}
