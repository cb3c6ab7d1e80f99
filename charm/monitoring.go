package charm

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/relations"
)

// The charm's Grafana dashboard and Prometheus alert rules for etcd. The
// dashboard goes to Grafana on `grafana` (grafana-dashboard) and on
// cos-agent; the alert rules on cos-agent. Every PromQL expression in
// both parses with Prometheus's own parser and the rules load with
// promtool (tests/promql).

//go:embed monitoring/dashboard.json
var dashboardTemplate string

//go:embed monitoring/alerts.yaml
var alertRules []byte

// datasourcePlaceholder marks where the datasource name goes, as in
// layer-etcd's template (rendered with << >> delimiters).
const datasourcePlaceholder = "<< datasource >>"

// DashboardJSON is the dashboard with its panels using datasource.
func DashboardJSON(datasource string) []byte {
	quoted, _ := json.Marshal(datasource)
	return []byte(strings.ReplaceAll(dashboardTemplate, `"`+datasourcePlaceholder+`"`, string(quoted)))
}

// Dashboard is DashboardJSON decoded as the grafana-dashboard request
// carries it.
func Dashboard(datasource string) (map[string]any, error) {
	m, err := relations.DecodeJSONObject(DashboardJSON(datasource))
	if err != nil {
		return nil, fmt.Errorf("cannot decode the dashboard: %w", err)
	}
	return m, nil
}

// AlertRules is the Prometheus rule file.
func AlertRules() []byte { return alertRules }

// RuleGroups is a Prometheus rule file's content.
type RuleGroups struct {
	Groups []RuleGroup `yaml:"groups" json:"groups"`
}

// RuleGroup is one group of rules.
type RuleGroup struct {
	Name  string `yaml:"name" json:"name"`
	Rules []Rule `yaml:"rules" json:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert" json:"alert"`
	Expr        string            `yaml:"expr" json:"expr"`
	For         string            `yaml:"for,omitempty" json:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// ParseAlertRules reads the rule file.
func ParseAlertRules() (RuleGroups, error) {
	var g RuleGroups
	if err := yaml.Unmarshal(alertRules, &g); err != nil {
		return g, fmt.Errorf("cannot parse the alert rules: %w", err)
	}
	return g, nil
}

// DashboardExprs are the PromQL expressions of the dashboard's panels.
func DashboardExprs() ([]string, error) {
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(DashboardJSON("x"), &d); err != nil {
		return nil, fmt.Errorf("cannot decode the dashboard: %w", err)
	}
	var out []string
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, t.Expr)
		}
	}
	return out, nil
}
