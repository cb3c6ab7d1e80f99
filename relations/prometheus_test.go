package relations

import (
	"reflect"
	"testing"
)

// Bytes below are Python's json.dumps(value, sort_keys=True), what
// charms.reactive's to_publish writes for layer-etcd's register_job.
const (
	wantJobBytes    = `{"ca_cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "client_cert": "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n", "client_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", "job_data": {"scheme": "https", "static_configs": [{"targets": ["10.0.0.1:2379", "10.0.0.2:2379"]}]}, "job_name": "etcd", "request_id": "0b1e7c2a-3f7d-4f0e-9d4e-3c0a5b7e9f11"}`
	wantOKBytes     = `{"reason": null, "success": true}`
	wantFailedBytes = `{"reason": "bad \"job\"", "success": false}`
)

var sampleJob = ScrapeJob{
	RequestID:  "0b1e7c2a-3f7d-4f0e-9d4e-3c0a5b7e9f11",
	JobName:    "etcd",
	Scheme:     "https",
	Targets:    []string{"10.0.0.1:2379", "10.0.0.2:2379"},
	CACert:     "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	ClientCert: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
	ClientKey:  "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
}

func TestScrapeJobWire(t *testing.T) {
	if got := sampleJob.Encode(); got != wantJobBytes {
		t.Fatalf("Encode:\n got %s\nwant %s", got, wantJobBytes)
	}
	back, err := DecodeScrapeJob(wantJobBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, sampleJob) {
		t.Fatalf("DecodeScrapeJob = %+v, want %+v", back, sampleJob)
	}
	for _, bad := range []string{"", "{", `{"job_name": "etcd"}`} {
		if _, err := DecodeScrapeJob(bad); err == nil {
			t.Errorf("DecodeScrapeJob(%q) succeeded", bad)
		}
	}
}

func TestResponseWire(t *testing.T) {
	for _, tc := range []struct {
		name  string
		resp  Response
		bytes string
	}{
		{"success", Response{Success: true}, wantOKBytes},
		{"failure with a reason", Response{Reason: `bad "job"`}, wantFailedBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.resp.Encode(); got != tc.bytes {
				t.Errorf("Encode = %s, want %s", got, tc.bytes)
			}
			got, err := DecodeResponse(tc.bytes)
			if err != nil || got != tc.resp {
				t.Errorf("DecodeResponse = %+v, %v; want %+v", got, err, tc.resp)
			}
		})
	}
}

func TestFindResponseAndRequests(t *testing.T) {
	remote := map[string]map[string]string{
		"prometheus/1": {ResponseKey("other"): wantOKBytes},
		"prometheus/0": {ResponseKey("id1"): wantFailedBytes, "private-address": "10.0.0.9"},
	}
	if r, ok := FindResponse(remote, "id1"); !ok || r.Success || r.Reason != `bad "job"` {
		t.Errorf("FindResponse(id1) = %+v, %v", r, ok)
	}
	if _, ok := FindResponse(remote, "missing"); ok {
		t.Error("FindResponse found an answer to a request nobody answered")
	}
	bag := map[string]string{RequestKey("b"): "{}", RequestKey("a"): "{}", "request_": "x", "egress-subnets": "x"}
	if got := Requests(bag); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Requests = %v", got)
	}
}

func TestPrometheusTargets(t *testing.T) {
	got := PrometheusTargets([]string{"https://10.0.0.2:2379", "https://10.0.0.1:2379", "https://10.0.0.1:2379", "https://[fd00::1]:2379", "junk"})
	want := []string{"10.0.0.1:2379", "10.0.0.2:2379", "[fd00::1]:2379"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PrometheusTargets = %v, want %v", got, want)
	}
}

func TestPyJSONEscapes(t *testing.T) {
	// python3 -c 'import json; print(json.dumps({"b":[1,"é\x7f😀\u2028"],"a":None,"c":True}, sort_keys=True))'
	got := pyJSON(map[string]any{"b": []any{1, "é\x7f😀\u2028"}, "a": nil, "c": true})
	want := `{"a": null, "b": [1, "\u00e9\u007f\ud83d\ude00\u2028"], "c": true}`
	if got != want {
		t.Errorf("pyJSON = %s, want %s", got, want)
	}
}

func TestDashboardRequestWire(t *testing.T) {
	// python3 -c 'import json; print(json.dumps({"request_id": "r1", "name": "etcd", "dashboard": {"title": "etcd", "panels": [{"id": 1, "datasource": "prometheus - Juju generated source", "span": 0.5}]}}, sort_keys=True))'
	const want = `{"dashboard": {"panels": [{"datasource": "prometheus - Juju generated source", "id": 1, "span": 0.5}], "title": "etcd"}, "name": "etcd", "request_id": "r1"}`
	model, err := DecodeJSONObject([]byte(`{"title":"etcd","panels":[{"id":1,"span":0.5,"datasource":"` + DatasourceName("prometheus") + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := DashboardRequest{RequestID: "r1", Name: DashboardName, Dashboard: model}
	if got := r.Encode(); got != want {
		t.Fatalf("Encode:\n got %s\nwant %s", got, want)
	}
	back, err := DecodeDashboardRequest(want)
	if err != nil {
		t.Fatal(err)
	}
	if back.Encode() != want {
		t.Errorf("decode/encode changed the request: %s", back.Encode())
	}
}
