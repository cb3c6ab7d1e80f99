package relations

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// cos-agent (interface cos_agent, the grafana-agent / opentelemetry-
// collector subordinates' relation): the provider writes one unit-bag
// key, "config", the JSON of the cos_agent library's
// CosAgentProviderUnitData: metrics_alert_rules (a Prometheus rule file
// as an object, {"groups": [...]}), log_alert_rules (Loki's, same shape),
// dashboards (each Grafana JSON model xz-compressed, as Python's
// lzma.compress writes, then base64), metrics_scrape_jobs (Prometheus
// scrape configs the agent runs against this machine) and log_slots
// (snap log slots to collect, "<snap>:<slot>").

// COSAgentKey is the provider's unit-bag key.
const COSAgentKey = "config"

// COSAgent is the provider's unit data.
type COSAgent struct {
	MetricsAlertRules map[string]any   `json:"metrics_alert_rules"`
	LogAlertRules     map[string]any   `json:"log_alert_rules"`
	Dashboards        []string         `json:"dashboards"`
	MetricsScrapeJobs []map[string]any `json:"metrics_scrape_jobs"`
	LogSlots          []string         `json:"log_slots"`
}

// EncodeDashboard is the cos_agent GrafanaDashboard encoding of a JSON
// model: base64 of its xz stream.
func EncodeDashboard(model []byte) string {
	return base64.StdEncoding.EncodeToString(xzStore(model))
}

// Encode renders the "config" value (compact JSON as pydantic dumps it,
// fields in the model's order, empty lists and objects rather than null).
func (c COSAgent) Encode() string {
	if c.MetricsAlertRules == nil {
		c.MetricsAlertRules = map[string]any{}
	}
	if c.LogAlertRules == nil {
		c.LogAlertRules = map[string]any{}
	}
	if c.Dashboards == nil {
		c.Dashboards = []string{}
	}
	if c.MetricsScrapeJobs == nil {
		c.MetricsScrapeJobs = []map[string]any{}
	}
	if c.LogSlots == nil {
		c.LogSlots = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		// Maps of strings, numbers and lists only.
		panic("cannot encode cos-agent data: " + err.Error())
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

// DecodeCOSAgent reads a "config" value.
func DecodeCOSAgent(value string) (COSAgent, error) {
	var c COSAgent
	err := json.Unmarshal([]byte(value), &c)
	return c, err
}
