package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/relations"
)

// cosJobName is the scrape job's name; the agent adds the Juju topology.
const cosJobName = "etcd"

// publishCOSAgent gives every cos-agent relation this unit's scrape job,
// the dashboard and the alert rules (every unit publishes the same
// dashboard and rules; the agent's leader forwards one copy). The job
// scrapes this member only: over plain HTTP on metrics_port when it is
// on, else over the mTLS client port with the charm's client
// certificate files (an agent confined away from them needs metrics_port).
func publishCOSAgent(ctx context.Context, d Deps, w *world, _ credentials) error {
	ids, err := d.Tools.RelationIDs(ctx, "cos-agent")
	if err != nil {
		return fmt.Errorf("cannot list cos-agent relations: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	job := map[string]any{"job_name": cosJobName, "metrics_path": "/metrics"}
	if w.cfg.MetricsPort != 0 {
		job["static_configs"] = []any{map[string]any{"targets": []any{net.JoinHostPort(w.member.DBAddress, strconv.Itoa(w.cfg.MetricsPort))}}}
	} else {
		job["scheme"] = "https"
		job["static_configs"] = []any{map[string]any{"targets": []any{net.JoinHostPort(w.member.DBAddress, strconv.Itoa(w.cfg.Port))}}}
		job["tls_config"] = map[string]any{
			"ca_file":   d.Paths.Unroot(d.Paths.CACert()),
			"cert_file": d.Paths.Unroot(d.Paths.ClientCert()),
			"key_file":  d.Paths.Unroot(d.Paths.ClientKey()),
		}
	}
	rules, err := charm.ParseAlertRules()
	if err != nil {
		return err
	}
	var ruleMap map[string]any
	raw, _ := json.Marshal(rules)
	if err := json.Unmarshal(raw, &ruleMap); err != nil {
		return fmt.Errorf("cannot convert the alert rules: %w", err)
	}
	value := relations.COSAgent{
		MetricsAlertRules: ruleMap,
		Dashboards:        []string{relations.EncodeDashboard(charm.DashboardJSON("${prometheusds}"))},
		MetricsScrapeJobs: []map[string]any{job},
	}.Encode()
	for _, id := range ids {
		wrote, err := publishOwn(ctx, d, w, id, relations.COSAgentKey, value)
		if err != nil {
			return err
		}
		if wrote {
			d.note(ctx, levelInfo, "published the scrape job, dashboard and alert rules on %s", id)
		}
	}
	return nil
}
