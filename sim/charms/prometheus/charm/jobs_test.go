package charm

import (
	"reflect"
	"testing"
)

// The request layer-etcd's leader publishes (charms.reactive bytes).
const etcdRequest = `{"ca_cert": "CA\n", "client_cert": "CERT\n", "client_key": "KEY\n", "job_data": {"scheme": "https", "static_configs": [{"targets": ["10.0.0.1:2379", "10.0.0.2:2379"]}]}, "job_name": "etcd", "request_id": "r1"}`

func TestParseRequestsAndScrapeConfig(t *testing.T) {
	reqs, bad := ParseRequests(map[string]map[string]string{
		"etcd/1": {"request_r2": `{"request_id": "other", "job_name": "x"}`, "private-address": "10.0.0.2"},
		"etcd/0": {"request_r1": etcdRequest, "egress-subnets": "10.0.0.1/32"},
	})
	if len(reqs) != 1 || reqs[0].Unit != "etcd/0" || reqs[0].RequestID != "r1" || reqs[0].JobName != "etcd" {
		t.Fatalf("requests %+v", reqs)
	}
	if !reflect.DeepEqual(bad, []string{"etcd/1 request_r2"}) {
		t.Errorf("bad = %v", bad)
	}
	files := reqs[0].Files("/certs")
	got := reqs[0].ScrapeConfig(files)
	want := map[string]any{
		"job_name":       "etcd-r1",
		"scheme":         "https",
		"static_configs": []any{map[string]any{"targets": []any{"10.0.0.1:2379", "10.0.0.2:2379"}}},
		"tls_config":     map[string]any{"ca_file": "/certs/r1/ca.crt", "cert_file": "/certs/r1/client.crt", "key_file": "/certs/r1/client.key"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ScrapeConfig =\n%v\nwant\n%v", got, want)
	}
}

func TestResponseBytes(t *testing.T) {
	// python3 -c 'import json; print(json.dumps({"success": True, "reason": None}, sort_keys=True))'
	if got := Response(true, ""); got != `{"reason": null, "success": true}` {
		t.Errorf("Response = %s", got)
	}
}
