package tlscerts

import (
	"crypto/x509"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

type testCA struct{ testkit.CA }

func newTestCA(t *testing.T) testCA { return testCA{testkit.NewCA(t)} }

// leaf issues a certificate for cn and sans valid for validity.
func (ca testCA) leaf(t *testing.T, cn string, sans []string, eku []x509.ExtKeyUsage, validity time.Duration) string {
	t.Helper()
	return ca.IssueLeaf(t, testkit.Leaf{CN: cn, SANs: sans, EKU: eku, Validity: validity}).Cert
}

func TestCurrent(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	year := 365 * 24 * time.Hour
	req := Request{Unit: "etcd/0", CN: "10.0.0.1", SANs: []string{"10.0.0.1", "127.0.0.1", "host"}, TopLevel: true}
	tests := []struct {
		name   string
		cert   string
		ok     bool
		reason string
	}{
		{"same request", ca.leaf(t, "10.0.0.1", []string{"host", "127.0.0.1", "10.0.0.1"}, both, year), true, ""},
		{"SAN added", ca.leaf(t, "10.0.0.1", []string{"10.0.0.1", "host"}, both, year), false, "SANs [10.0.0.1 host], requested [10.0.0.1 127.0.0.1 host]"},
		{"other CN", ca.leaf(t, "10.0.0.2", req.SANs, both, year), false, `common name "10.0.0.2"`},
		{"other CA", other.leaf(t, "10.0.0.1", req.SANs, both, year), false, "not signed by the current CA"},
		{"server EKU only", ca.leaf(t, "10.0.0.1", req.SANs, both[:1], year), false, "missing clientAuth"},
		{"client EKU only", ca.leaf(t, "10.0.0.1", req.SANs, both[1:], year), false, "missing serverAuth"},
		{"about to expire", ca.leaf(t, "10.0.0.1", req.SANs, both, 24*time.Hour), false, "expires"},
		{"garbage", "not a cert", false, "no PEM certificate"},
	}
	// A client certificate request is content with clientAuth.
	client := req
	client.Client, client.TopLevel = true, false
	if ok, reason := Current(Pair{Cert: ca.leaf(t, "10.0.0.1", req.SANs, both[1:], year), Key: "k"}, ca.Cert, client, time.Now()); !ok {
		t.Errorf("client cert for a client request: %s", reason)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := Current(Pair{Cert: tt.cert, Key: "k"}, ca.Cert, req, time.Now())
			if ok != tt.ok || !strings.Contains(reason, tt.reason) {
				t.Errorf("Current = %v, %q; want %v, %q", ok, reason, tt.ok, tt.reason)
			}
		})
	}
}

func TestExisting(t *testing.T) {
	own := map[string]string{
		"etcd_0.server.cert":               "C0",
		"etcd_0.server.key":                "K0",
		"etcd_1.server.cert":               "C1", // no key: not an answer
		"etcd_0.processed_requests":        `{"api":{"cert":"C2","key":"K2"}}`,
		"etcd_0.processed_client_requests": `{"api":{"cert":"C3","key":"K3"}}`,
		"broken_0.processed_requests":      `{`,
	}
	tests := []struct {
		req  Request
		want Pair
		ok   bool
	}{
		{Request{Unit: "etcd/0", CN: "x", TopLevel: true}, Pair{"C0", "K0"}, true},
		{Request{Unit: "etcd/1", CN: "x", TopLevel: true}, Pair{"C1", ""}, false},
		{Request{Unit: "etcd/0", CN: "api"}, Pair{"C2", "K2"}, true},
		{Request{Unit: "etcd/0", CN: "other"}, Pair{}, false},
		{Request{Unit: "etcd/0", CN: "api", Client: true}, Pair{"C3", "K3"}, true},
		{Request{Unit: "broken/0", CN: "api"}, Pair{}, false},
	}
	for _, tt := range tests {
		got, ok := Existing(own, tt.req)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Existing(%+v) = %v, %v; want %v, %v", tt.req, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSettings(t *testing.T) {
	client := Pair{"CC", "CK"}
	// etcd/0's top-level request, and its bag once it is answered with C/K.
	top := Request{Unit: "etcd/0", CertName: "etcd_0", CN: "a", TopLevel: true}
	answered := map[string]string{"ca": "CA", "client.cert": "CC", "client.key": "CK", "etcd_0.server.cert": "C", "etcd_0.server.key": "K"}
	tests := []struct {
		name   string
		own    map[string]string
		issued []Issued
		units  []string
		want   map[string]string
	}{{
		name:  "first answer",
		own:   map[string]string{"private-address": "10.0.0.5"},
		units: []string{"etcd/0"},
		issued: []Issued{
			{top, Pair{"C", "K"}},
			{Request{Unit: "etcd/0", CN: "b"}, Pair{"C2", "K2"}},
			{Request{Unit: "etcd/0", CN: "b", Client: true}, Pair{"C3", "K3"}},
		},
		want: map[string]string{
			"ca": "CA", "client.cert": "CC", "client.key": "CK",
			"etcd_0.server.cert": "C", "etcd_0.server.key": "K",
			"etcd_0.processed_requests":        `{"b":{"cert":"C2","key":"K2"}}`,
			"etcd_0.processed_client_requests": `{"b":{"cert":"C3","key":"K3"}}`,
		},
	}, {
		name:  "unchanged answers are not rewritten",
		own:   answered,
		units: []string{"etcd/0"},
		issued: []Issued{
			{top, Pair{"C", "K"}},
		},
		want: map[string]string{},
	}, {
		name:  "values Juju trimmed are unchanged",
		own:   answered,
		units: []string{"etcd/0"},
		issued: []Issued{
			{top, Pair{"C\n", "K\n"}},
		},
		want: map[string]string{},
	}, {
		name:  "certificate_name alias",
		own:   map[string]string{},
		units: []string{"app/0", "app/1"},
		issued: []Issued{
			{Request{Unit: "app/0", CertName: "web", CN: "a", TopLevel: true}, Pair{"C", "K"}},
			{Request{Unit: "app/1", CertName: "app_0", CN: "b", TopLevel: true}, Pair{"C1", "K1"}},
			{Request{Unit: "app/1", CertName: "bad name", CN: "b", TopLevel: true}, Pair{"C1", "K1"}},
		},
		want: map[string]string{
			"ca": "CA", "client.cert": "CC", "client.key": "CK",
			"app_0.server.cert": "C", "app_0.server.key": "K",
			"web.server.cert": "C", "web.server.key": "K",
			"app_1.server.cert": "C1", "app_1.server.key": "K1",
		},
	}, {
		name:  "departed unit's answers deleted",
		own:   map[string]string{"ca": "CA", "client.cert": "CC", "client.key": "CK", "etcd_1.server.cert": "C", "etcd_1.server.key": "K", "etcd_1.processed_requests": "{}", "etcd_1.processed_client_requests": "{}", "private-address": "x"},
		units: []string{},
		want:  map[string]string{"etcd_1.server.cert": "", "etcd_1.server.key": "", "etcd_1.processed_requests": "", "etcd_1.processed_client_requests": ""},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Settings(tt.own, "CA", client, tt.issued, tt.units)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Settings:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestProcessedRoundTrip(t *testing.T) {
	out, err := Settings(nil, "CA", Pair{}, []Issued{{Request{Unit: "u/0", CN: "x.example"}, Pair{"-----BEGIN\nC\n", "K"}}}, []string{"u/0"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]string
	if err := json.Unmarshal([]byte(out["u_0.processed_requests"]), &m); err != nil {
		t.Fatal(err)
	}
	if m["x.example"]["cert"] != "-----BEGIN\nC\n" || m["x.example"]["key"] != "K" {
		t.Errorf("decoded %v", m)
	}
}
