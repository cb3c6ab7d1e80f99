package relations

import (
	"bytes"
	"encoding/base64"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestCOSAgentConfig(t *testing.T) {
	c := COSAgent{
		MetricsAlertRules: map[string]any{"groups": []any{map[string]any{"name": "etcd", "rules": []any{map[string]any{"alert": "etcdNoLeader", "expr": `etcd_server_has_leader < 1 or etcd_server_has_leader > 1`}}}}},
		Dashboards:        []string{EncodeDashboard([]byte(`{"title":"etcd"}`))},
		MetricsScrapeJobs: []map[string]any{{"job_name": "etcd", "metrics_path": "/metrics", "static_configs": []any{map[string]any{"targets": []any{"10.0.0.1:9379"}}}}},
	}
	v := c.Encode()
	// The cos_agent model's fields, in its order, empty ones present.
	if !strings.HasPrefix(v, `{"metrics_alert_rules":{"groups":`) || !strings.Contains(v, `"log_alert_rules":{}`) || !strings.HasSuffix(v, `"log_slots":[]}`) {
		t.Errorf("config = %s", v)
	}
	if strings.Contains(v, `\u00`) {
		t.Errorf("HTML-escaped characters in %s", v)
	}
	back, err := DecodeCOSAgent(v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Dashboards, c.Dashboards) || len(back.MetricsScrapeJobs) != 1 {
		t.Errorf("decoded %+v", back)
	}
	xz, err := exec.LookPath("xz")
	if err != nil {
		t.Skip("xz is not installed")
	}
	raw, err := base64.StdEncoding.DecodeString(back.Dashboards[0])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xz, "-dc")
	cmd.Stdin = bytes.NewReader(raw)
	out, err := cmd.Output()
	if err != nil || string(out) != `{"title":"etcd"}` {
		t.Errorf("dashboard decodes to %q, %v", out, err)
	}
}
