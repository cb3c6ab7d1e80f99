package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// promQuery evaluates expr on the Prometheus server at base and returns
// the result vector's samples (labels and value).
func promQuery(t *testing.T, base, expr string) ([]promSample, error) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, err
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", expr, doc.Error)
	}
	return doc.Data.Result, nil
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) value() string { v, _ := s.Value[1].(string); return v }

// eventually polls f until it returns "" or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(time.Second)
	}
}

// upTargets waits until Prometheus scrapes n etcd members, all up.
func upTargets(t *testing.T, base string, n int) {
	t.Helper()
	eventually(t, 3*time.Minute, fmt.Sprintf("%d etcd targets up", n), func() string {
		got, err := promQuery(t, base, `up{job=~"etcd-.*"}`)
		if err != nil {
			return err.Error()
		}
		if len(got) != n {
			return fmt.Sprintf("%d targets: %+v", len(got), got)
		}
		for _, s := range got {
			if s.value() != "1" {
				return fmt.Sprintf("target %s is down", s.Metric["instance"])
			}
		}
		return ""
	})
}

// execOut runs a shell command on unit and returns its output.
func (m *model) execOut(unit, script string) string {
	m.t.Helper()
	return m.must("exec", unit, "--", script)
}

func TestMonitoringWithPrometheus(t *testing.T) {
	m := newModel(t, 1)
	// A small quota, so the test can fill it and raise NOSPACE; the plain
	// HTTP metrics listener on.
	m.deployEtcd(3, "quota_backend_bytes=3000000", "metrics_port=9379")
	// The server loads the charm's alert rules, as COS's Prometheus would.
	rules, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "charm", "monitoring", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m.must("deploy", m.a.prometheus, "prometheus", "--config", "scrape-interval=2s", "--config", "alert-rules="+string(rules))
	m.must("integrate", "etcd:prometheus", "prometheus:manual-jobs")
	m.waitActive(10 * time.Minute)

	addr := m.status().Applications["prometheus"].Units["prometheus/0"].PublicAddress
	base := "http://" + addr + ":9090"
	t.Logf("Prometheus at %s", base)
	upTargets(t, base, 3)
	eventually(t, time.Minute, "etcd_server_has_leader on every member", func() string {
		got, err := promQuery(t, base, `etcd_server_has_leader{job=~"etcd-.*"} == 1`)
		if err != nil {
			return err.Error()
		}
		if len(got) != 3 {
			return fmt.Sprintf("%d members with a leader", len(got))
		}
		return ""
	})

	// The metrics listener serves without a client certificate, its port open.
	u0 := m.status().Applications["etcd"].Units["etcd/0"]
	if !slices.Contains(u0.OpenPorts, "9379/tcp") {
		t.Errorf("etcd/0 opened %v, want 9379/tcp too", u0.OpenPorts)
	}
	resp, err := http.Get("http://" + u0.PublicAddress + ":9379/metrics")
	if err != nil {
		t.Fatalf("metrics listener: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "etcd_server_has_leader 1") {
		t.Errorf("metrics listener answered %s without etcd_server_has_leader 1", resp.Status)
	}

	// A new member becomes a new target of the same job.
	m.must("add-unit", "etcd")
	m.waitActive(10 * time.Minute)
	upTargets(t, base, 4)
	jobs, err := promQuery(t, base, `count by (job) (up{job=~"etcd-.*"})`)
	if err != nil || len(jobs) != 1 {
		t.Errorf("etcd jobs after add-unit: %+v, %v (want one job)", jobs, err)
	}

	// Every dashboard expression returns data from the live cluster.
	exprs := dashboardExprs(t)
	for _, e := range exprs {
		eventually(t, 90*time.Second, "dashboard expression "+e, func() string {
			got, err := promQuery(t, base, e)
			if err != nil {
				return err.Error()
			}
			if len(got) == 0 {
				return "no data"
			}
			return ""
		})
	}

	// Alert rules: the server loaded every one and evaluates it without
	// error; on a healthy cluster none is pending or firing (an alert's
	// expression is legitimately empty then).
	alerts := ruleStates(t, base)
	if len(alerts) != 10 {
		t.Errorf("Prometheus loaded %d alert rules, want the charm's 10: %+v", len(alerts), alerts)
	}
	for _, r := range alerts {
		t.Logf("alert %s on a healthy cluster: %s (health %s)", r.Name, r.State, r.Health)
		if r.Health == "err" {
			t.Errorf("alert %s does not evaluate: %s", r.Name, r.LastError)
		}
		switch r.Name {
		case "etcdNoLeader", "etcdInsufficientMembers", "etcdNoSpaceAlarm", "etcdDatabaseHighFragmentationRatio":
			if r.State != "inactive" {
				t.Errorf("alert %s is %s on a healthy cluster", r.Name, r.State)
			}
		}
	}

	// NRPE checks, run on the unit as nrpe runs them: OK when healthy.
	check := func(unit, args string) string {
		return m.execOut(unit, `"$JUJU_CHARM_DIR/dispatch" `+args+`; echo "exit=$?"`)
	}
	if out := check("etcd/0", "check-alarms"); !strings.Contains(out, "OK - no active alarms\nexit=0") {
		t.Errorf("check-alarms on a healthy cluster:\n%s", out)
	}
	if out := check("etcd/0", "check-service snap.etcd.etcd"); !strings.Contains(out, "OK: snap.etcd.etcd is running\nexit=0") {
		t.Errorf("check-service on a running etcd:\n%s", out)
	}

	// Fill the quota: etcd raises NOSPACE, refuses writes, and the alarm
	// rule fires.
	fill := `c="${SNAPPY_GLOBAL_ROOT:-}/var/snap/etcd/common"; ` +
		`ep=$(sed -n 's/^advertise-client-urls: //p' "$c/etcd.conf.yml"); ` +
		`for i in 1 2 3 4 5; do head -c 1000000 /dev/zero | tr '\0' x | ` +
		`etcd.etcdctl --endpoints "$ep" --cacert "$c/ca.crt" --cert "$c/server.crt" --key "$c/server.key" put fill$i || true; done`
	t.Logf("filling the quota:\n%s", m.execOut("etcd/0", fill))
	if out, _ := m.etcdctl("etcd/0", "alarm", "list"); !strings.Contains(out, "alarm:NOSPACE") {
		t.Fatalf("no NOSPACE alarm after filling the quota:\n%s", out)
	}
	// The rule's for: is 1m: pending at once, firing a minute later.
	eventually(t, 3*time.Minute, "etcdNoSpaceAlarm firing", func() string {
		for _, r := range ruleStates(t, base) {
			if r.Name == "etcdNoSpaceAlarm" {
				if r.State == "firing" {
					return ""
				}
				return "the alert is " + r.State
			}
		}
		return "no etcdNoSpaceAlarm rule"
	})
	if out := check("etcd/0", "check-alarms"); !strings.Contains(out, "alarm:NOSPACE\nexit=2") || !strings.Contains(out, "memberID:") {
		t.Errorf("check-alarms with NOSPACE raised:\n%s", out)
	}
	if _, err := m.etcdctl("etcd/0", "alarm", "disarm"); err != nil {
		t.Logf("alarm disarm: %v", err)
	}

	// etcd stopped (through the machine's snapd, in the same operation as
	// the checks so no hook restarts it in between): both checks CRITICAL.
	stop := `curl -sS --unix-socket "${SNAPPY_GLOBAL_ROOT:-}/run/snapd.socket" -X POST -H 'Content-Type: application/json' ` +
		`-d '{"action":"stop","names":["etcd.etcd"]}' http://localhost/v2/apps >/dev/null; sleep 3; ` +
		`"$JUJU_CHARM_DIR/dispatch" check-service snap.etcd.etcd; echo "exit=$?"; "$JUJU_CHARM_DIR/dispatch" check-alarms; echo "exit=$?"`
	out := m.execOut("etcd/3", stop)
	if !strings.Contains(out, "CRITICAL: snap.etcd.etcd is not running\nexit=2") || !strings.Contains(out, "cannot reach etcd at") || strings.Count(out, "exit=2") != 2 {
		t.Errorf("checks with etcd stopped:\n%s", out)
	}

	// The relation goes: the job goes with the leader's data, and
	// Prometheus stops scraping etcd (its last samples stay queryable for
	// the lookback window, so ask for the active targets).
	m.must("remove-relation", "etcd:prometheus", "prometheus:manual-jobs")
	eventually(t, 2*time.Minute, "etcd targets gone after remove-relation", func() string {
		jobs, err := activeJobs(base)
		if err != nil {
			return err.Error()
		}
		if len(jobs) != 0 {
			return fmt.Sprintf("Prometheus still scrapes %v", jobs)
		}
		return ""
	})
}

// dashboardExprs are the PromQL expressions of the charm's dashboard.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "charm", "monitoring", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	if len(out) == 0 {
		t.Fatal("the dashboard has no expressions")
	}
	return out
}

// ruleState is one alerting rule as Prometheus's /api/v1/rules reports it.
type ruleState struct {
	Name      string `json:"name"`
	Query     string `json:"query"`
	State     string `json:"state"` // inactive, pending, firing
	Health    string `json:"health"`
	LastError string `json:"lastError"`
}

func ruleStates(t *testing.T, base string) []ruleState {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/rules?type=alert")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			Groups []struct {
				Rules []ruleState `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []ruleState
	for _, g := range doc.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// activeJobs are the jobs of the targets Prometheus scrapes.
func activeJobs(base string) ([]string, error) {
	resp, err := http.Get(base + "/api/v1/targets?state=active")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			ActiveTargets []struct {
				ScrapePool string `json:"scrapePool"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, err
	}
	var jobs []string
	for _, t := range doc.Data.ActiveTargets {
		jobs = append(jobs, t.ScrapePool)
	}
	return jobs, nil
}
