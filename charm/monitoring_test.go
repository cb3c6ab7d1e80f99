package charm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDashboardUsesTheDatasource(t *testing.T) {
	const ds = `prometheus - Juju generated source`
	d, err := Dashboard(ds)
	if err != nil {
		t.Fatal(err)
	}
	panels, _ := d["panels"].([]any)
	if len(panels) == 0 {
		t.Fatal("dashboard has no panels")
	}
	for _, p := range panels {
		if got := p.(map[string]any)["datasource"]; got != ds {
			t.Errorf("panel %v datasource = %v, want %q", p.(map[string]any)["title"], got, ds)
		}
	}
	// A name needing JSON escapes stays valid JSON.
	if !json.Valid(DashboardJSON(`a "quoted" name`)) {
		t.Error("dashboard with a quoted datasource is not valid JSON")
	}
	if strings.Contains(string(DashboardJSON(ds)), datasourcePlaceholder) {
		t.Error("placeholder left in the dashboard")
	}
}

// The dashboard covers what issue #16 asks an operator to see.
func TestDashboardCoversTheEssentials(t *testing.T) {
	exprs, err := DashboardExprs()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(exprs, "\n")
	for _, metric := range []string{
		"etcd_server_has_leader", "etcd_server_proposals_committed_total", "etcd_disk_wal_fsync_duration_seconds_bucket",
		"etcd_disk_backend_commit_duration_seconds_bucket", "etcd_mvcc_db_total_size_in_bytes", "etcd_server_quota_backend_bytes",
		"grpc_server_started_total", "grpc_server_handled_total", "etcd_network_peer_round_trip_time_seconds_bucket", "count(up",
	} {
		if !strings.Contains(all, metric) {
			t.Errorf("no panel shows %s", metric)
		}
	}
}

func TestAlertRulesCoverTheMixin(t *testing.T) {
	g, err := ParseAlertRules()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]Rule{}
	for _, grp := range g.Groups {
		for _, r := range grp.Rules {
			have[r.Alert] = r
		}
	}
	for _, name := range []string{
		"etcdNoLeader", "etcdHighNumberOfLeaderChanges", "etcdInsufficientMembers", "etcdMembersDown",
		"etcdHighFsyncDurations", "etcdHighCommitDurations", "etcdDatabaseQuotaLowSpace",
		"etcdExcessiveDatabaseGrowth", "etcdDatabaseHighFragmentationRatio", "etcdNoSpaceAlarm",
	} {
		r, ok := have[name]
		if !ok {
			t.Errorf("no alert %s", name)
			continue
		}
		if r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
			t.Errorf("alert %s lacks an expression, severity or summary: %+v", name, r)
		}
	}
}
