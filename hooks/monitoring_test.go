package hooks

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// servingUnit is a one-unit cluster whose etcd serves.
func servingUnit(t *testing.T) (*scenario, *unit) {
	t.Helper()
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u := s.units[0]
	s.mustRun(u, juju.Event{Name: "install"})
	return s, u
}

// scrapeJobs decodes the requests in a unit's bag on relation id.
func scrapeJobs(t *testing.T, u *unit, id string) []relations.ScrapeJob {
	t.Helper()
	bag := u.tools.Relations[id].LocalUnitData
	var jobs []relations.ScrapeJob
	for _, rid := range relations.Requests(bag) {
		j, err := relations.DecodeScrapeJob(bag[relations.RequestKey(rid)])
		if err != nil {
			t.Fatalf("request %s: %v", rid, err)
		}
		if j.RequestID != rid {
			t.Errorf("request key %s holds request id %s", rid, j.RequestID)
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func TestLeaderPublishesTheScrapeJob(t *testing.T) {
	s, u := servingUnit(t)
	rel := u.tools.AddRelation("prometheus:5", "prometheus")
	rel.Units["prometheus/0"] = map[string]string{}
	s.mustRun(u, juju.Event{Name: "prometheus-relation-joined", Endpoint: "prometheus", RelationID: "prometheus:5", RemoteUnit: "prometheus/0"})
	jobs := scrapeJobs(t, u, "prometheus:5")
	if len(jobs) != 1 {
		t.Fatalf("requests = %+v, want one", jobs)
	}
	certs := u.tools.Relations["certificates:9"].Units["easyrsa/0"]
	want := relations.ScrapeJob{RequestID: jobs[0].RequestID, JobName: "etcd", Scheme: "https", Targets: []string{"10.0.0.0:2379"},
		CACert: certs["ca"], ClientCert: certs["client.cert"], ClientKey: certs["client.key"]}
	if !reflect.DeepEqual(jobs[0], want) || len(want.RequestID) != 36 {
		t.Errorf("job %s %v %v, want %s %v and the certificates easyrsa gave", jobs[0].RequestID, jobs[0].Targets, jobs[0].ClientCert == want.ClientCert, want.RequestID, want.Targets)
	}

	// Prometheus refuses it: the leader says so in the unit's log.
	rel.Units["prometheus/0"][relations.ResponseKey(want.RequestID)] = relations.Response{Reason: "no such scheme"}.Encode()
	s.mustRun(u, juju.Event{Name: "prometheus-relation-changed", Endpoint: "prometheus", RelationID: "prometheus:5", RemoteUnit: "prometheus/0"})
	if !strings.Contains(strings.Join(u.tools.Logs, "\n"), "refused the scrape job on prometheus:5: no such scheme") {
		t.Errorf("refusal not logged: %v", u.tools.Logs)
	}

	// A new client certificate: the job keeps its request id and carries
	// the new certificate.
	renewed := unitCerts(s.ca, t, 0)
	certs["client.cert"], certs["client.key"] = renewed["client.cert"], renewed["client.key"]
	s.mustRun(u, juju.Event{Name: "certificates-relation-changed", Endpoint: "certificates", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
	jobs = scrapeJobs(t, u, "prometheus:5")
	if len(jobs) != 1 || jobs[0].RequestID != want.RequestID || jobs[0].ClientCert != renewed["client.cert"] || jobs[0].ClientCert == want.ClientCert {
		t.Errorf("after a new client certificate: %d jobs, request id kept %v, new certificate %v", len(jobs), len(jobs) == 1 && jobs[0].RequestID == want.RequestID, len(jobs) == 1 && jobs[0].ClientCert == renewed["client.cert"])
	}

	// Leadership moves away: the former leader withdraws its job.
	u.tools.Leader = false
	s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
	if jobs := scrapeJobs(t, u, "prometheus:5"); len(jobs) != 0 {
		t.Errorf("a non-leader publishes %d jobs", len(jobs))
	}
}

func TestDashboardNamesThePrometheusDatasource(t *testing.T) {
	s, u := servingUnit(t)
	u.tools.AddRelation("grafana:6", "grafana").Units["grafana/0"] = map[string]string{}
	s.mustRun(u, juju.Event{Name: "grafana-relation-joined", Endpoint: "grafana", RelationID: "grafana:6", RemoteUnit: "grafana/0"})
	if ids := relations.Requests(u.tools.Relations["grafana:6"].LocalUnitData); len(ids) != 0 {
		t.Fatalf("dashboard published without a prometheus relation: %v", ids)
	}
	u.tools.AddRelation("prometheus:5", "prom").Units["prom/0"] = map[string]string{}
	s.mustRun(u, juju.Event{Name: "prometheus-relation-joined", Endpoint: "prometheus", RelationID: "prometheus:5", RemoteUnit: "prom/0"})
	bag := u.tools.Relations["grafana:6"].LocalUnitData
	ids := relations.Requests(bag)
	if len(ids) != 1 {
		t.Fatalf("dashboard requests %v, want one", ids)
	}
	req, err := relations.DecodeDashboardRequest(bag[relations.RequestKey(ids[0])])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := charm.Dashboard("prom - Juju generated source")
	if req.Name != "etcd" || !reflect.DeepEqual(req.Dashboard, want) {
		t.Errorf("dashboard request %q, datasource-matching dashboard: %v", req.Name, reflect.DeepEqual(req.Dashboard, want))
	}
}

func TestNRPEChecksComeAndGoWithTheRelation(t *testing.T) {
	s, u := servingUnit(t)
	u.tools.AddRelation("nrpe-external-master:7", "nrpe").Units["nrpe/0"] = map[string]string{
		relations.NagiosHostnameKey: "site-etcd-0", relations.NagiosHostContextKey: "site",
	}
	if err := os.MkdirAll(u.paths.NagiosExportDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	ev := juju.Event{Name: "nrpe-external-master-relation-joined", Endpoint: "nrpe-external-master", RelationID: "nrpe-external-master:7", RemoteUnit: "nrpe/0", CharmDir: "/charm"}
	s.mustRun(u, ev)

	h := charm.NagiosHost{Hostname: "site-etcd-0", Servicegroups: "juju", UnitName: "site:etcd/0"}
	var installed []string
	for _, c := range charm.NRPEChecks(u.paths, h) {
		for path, want := range map[string][]byte{c.CheckPath(u.paths): c.CheckFile(h), c.ServicePath(u.paths, h): c.ServiceFile(h)} {
			got, err := os.ReadFile(path)
			if err != nil || string(got) != string(want) {
				t.Errorf("%s = %q, %v; want %q", path, got, err, want)
			}
			installed = append(installed, path)
		}
	}
	for _, path := range []string{u.paths.AlarmPlugin(), u.paths.ServicePlugin()} {
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("plugin %s: %v, %v", path, st, err)
			continue
		}
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), "'/charm/dispatch' check-") {
			t.Errorf("plugin %s does not run the charm: %s", path, b)
		}
		installed = append(installed, path)
	}
	installed = append(installed, u.paths.AlarmCron(), u.paths.AlarmCache())
	monitors := u.tools.Relations["nrpe-external-master:7"].LocalUnitData[relations.MonitorsKey]
	if want := relations.Monitors(map[string]string{"snap.etcd.etcd": "check_snap.etcd.etcd", "etcd-alarms": "check_etcd-alarms"}); monitors != want {
		t.Errorf("monitors = %q, want %q", monitors, want)
	}

	// New nagios_servicegroups: the checks are rewritten with them.
	u.tools.Config["nagios_servicegroups"] = "kv"
	s.mustRun(u, juju.Event{Name: "config-changed", CharmDir: "/charm"})
	alarms := charm.NRPEChecks(u.paths, h)[1]
	if b, _ := os.ReadFile(alarms.CheckPath(u.paths)); !strings.Contains(string(b), "# servicegroups: kv\n") {
		t.Errorf("after nagios_servicegroups=kv: %s", b)
	}

	// The relation goes (-broken: relation-ids no longer lists it) while
	// the unit is blocked before it reaches its serving steps (a bad
	// config): the checks go anyway.
	// (Juju runs the config-changed first: it outranks relation hooks.)
	delete(u.tools.Relations, "nrpe-external-master:7")
	u.tools.Config["heartbeat_interval"] = int64(0)
	s.mustRun(u, juju.Event{Name: "config-changed", CharmDir: "/charm"})
	ev.Name, ev.RemoteUnit = "nrpe-external-master-relation-broken", ""
	s.mustRun(u, ev)
	if st := u.tools.Status; st.Name != juju.StatusBlocked {
		t.Fatalf("status %+v, want blocked before the serving steps", st)
	}
	for _, path := range installed {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s left behind after the relation went: %v", path, err)
		}
	}
}

// A quiet hook does not redo the monitoring work.
func TestQuietHookSkipsMonitoring(t *testing.T) {
	s, u := servingUnit(t)
	u.tools.AddRelation("prometheus:5", "prometheus").Units["prometheus/0"] = map[string]string{}
	s.mustRun(u, juju.Event{Name: "prometheus-relation-joined", Endpoint: "prometheus", RelationID: "prometheus:5", RemoteUnit: "prometheus/0"})
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	for _, c := range u.tools.Calls {
		if strings.Contains(c, "prometheus") || strings.Contains(c, "nrpe") || strings.Contains(c, "grafana") || strings.Contains(c, "cos-agent") {
			t.Errorf("quiet hook called %q", c)
		}
	}
}

func TestCOSAgentCarriesJobDashboardAndRules(t *testing.T) {
	s, u := servingUnit(t)
	u.tools.AddRelation("cos-agent:8", "grafana-agent").Units["grafana-agent/0"] = map[string]string{}
	ev := juju.Event{Name: "cos-agent-relation-joined", Endpoint: "cos-agent", RelationID: "cos-agent:8", RemoteUnit: "grafana-agent/0"}
	s.mustRun(u, ev)
	got, err := relations.DecodeCOSAgent(u.tools.Relations["cos-agent:8"].LocalUnitData[relations.COSAgentKey])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Dashboards) != 1 || got.Dashboards[0] != relations.EncodeDashboard(charm.DashboardJSON("${prometheusds}")) {
		t.Errorf("dashboards %v", got.Dashboards)
	}
	groups, _ := got.MetricsAlertRules["groups"].([]any)
	if len(groups) != 1 || len(groups[0].(map[string]any)["rules"].([]any)) != 10 {
		t.Errorf("alert rules %v", got.MetricsAlertRules)
	}
	if len(got.MetricsScrapeJobs) != 1 || got.MetricsScrapeJobs[0]["scheme"] != "https" {
		t.Fatalf("scrape jobs %v", got.MetricsScrapeJobs)
	}
	targets := got.MetricsScrapeJobs[0]["static_configs"].([]any)[0].(map[string]any)["targets"].([]any)
	if len(targets) != 1 || targets[0] != "10.0.0.0:2379" {
		t.Errorf("targets %v", targets)
	}

	// With metrics_port on, the agent scrapes plain HTTP without certificates.
	u.tools.Config["metrics_port"] = int64(9379)
	s.mustRun(u, juju.Event{Name: "config-changed"})
	got, _ = relations.DecodeCOSAgent(u.tools.Relations["cos-agent:8"].LocalUnitData[relations.COSAgentKey])
	job := got.MetricsScrapeJobs[0]
	if _, tls := job["tls_config"]; tls || job["scheme"] != nil {
		t.Errorf("metrics_port job still uses TLS: %v", job)
	}
	if targets := job["static_configs"].([]any)[0].(map[string]any)["targets"].([]any); targets[0] != "10.0.0.0:9379" {
		t.Errorf("metrics_port targets %v", targets)
	}
	if ports := u.tools.Ports; !slices.Contains(ports, "9379/tcp") {
		t.Errorf("opened ports %v, want the metrics port too", ports)
	}
}
