// Package promql checks the charm's dashboard and alert rules with
// Prometheus's own PromQL parser and promtool. It is a module of its own
// so that Prometheus (a large module) stays out of the charm's go.mod:
// the charm binary never imports it.
package promql

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/etcd-charm/etcd-charm/charm"
)

func TestDashboardExpressionsParse(t *testing.T) {
	exprs, err := charm.DashboardExprs()
	if err != nil {
		t.Fatal(err)
	}
	if len(exprs) == 0 {
		t.Fatal("the dashboard has no expressions")
	}
	for _, e := range exprs {
		if _, err := parser.NewParser(parser.Options{}).ParseExpr(e); err != nil {
			t.Errorf("dashboard expression %q: %v", e, err)
		}
	}
}

func TestAlertExpressionsParse(t *testing.T) {
	g, err := charm.ParseAlertRules()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, grp := range g.Groups {
		for _, r := range grp.Rules {
			n++
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr)
			if err != nil {
				t.Errorf("alert %s: %v", r.Alert, err)
				continue
			}
			// An alert fires on any sample: its expression must be an
			// instant vector (Prometheus refuses a scalar rule).
			if expr.Type() != parser.ValueTypeVector {
				t.Errorf("alert %s: expression is a %s, not an instant vector", r.Alert, expr.Type())
			}
		}
	}
	if n == 0 {
		t.Fatal("no alert rules")
	}
}

// promtool (Debian's prometheus package) loads the rule file as the
// Prometheus server would.
func TestPromtoolChecksRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus)")
	}
	f := filepath.Join(t.TempDir(), "etcd.rules.yaml")
	if err := os.WriteFile(f, charm.AlertRules(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
