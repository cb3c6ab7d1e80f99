package tlscerts

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRequests(t *testing.T) {
	tests := []struct {
		name     string
		bag      map[string]string
		want     []Request
		problems []string // substrings, one per problem
	}{{
		name: "empty bag asks nothing",
		bag:  map[string]string{"private-address": "10.0.0.1", "ingress-address": "10.0.0.1"},
	}, {
		name: "etcd's top-level request",
		bag: map[string]string{
			"unit_name": "etcd_0", "common_name": "10.0.0.1", "certificate_name": "etcd_0",
			"sans": `["127.0.0.1","10.0.0.1","etcd-host","10.0.0.1"]`,
		},
		want: []Request{{Unit: "etcd/0", CertName: "etcd_0", CN: "10.0.0.1", SANs: []string{"10.0.0.1", "127.0.0.1", "etcd-host"}, TopLevel: true}},
	}, {
		name: "no sans key means no SANs",
		bag:  map[string]string{"common_name": "host.example"},
		want: []Request{{Unit: "etcd/0", CN: "host.example", TopLevel: true}},
	}, {
		name: "ipv6 canonicalized and ipv4-mapped unmapped",
		bag:  map[string]string{"common_name": "x", "sans": `["2001:DB8::1","::ffff:10.1.1.1"]`},
		want: []Request{{Unit: "etcd/0", CN: "x", SANs: []string{"10.1.1.1", "2001:db8::1"}, TopLevel: true}},
	}, {
		name: "newer cert_requests next to the top-level one",
		bag: map[string]string{
			"common_name": "10.0.0.1", "sans": `[]`, "certificate_name": "etcd_0",
			"cert_requests": `{"10.0.0.9":{"sans":["10.0.0.9"]},"10.0.0.1":{"sans":["ignored"]},"api.example":{"sans":null}}`,
		},
		want: []Request{
			{Unit: "etcd/0", CertName: "etcd_0", CN: "10.0.0.1", SANs: []string{}, TopLevel: true},
			{Unit: "etcd/0", CN: "10.0.0.9", SANs: []string{"10.0.0.9"}},
			{Unit: "etcd/0", CN: "api.example"},
		},
	}, {
		name:     "malformed sans JSON skips only that request",
		bag:      map[string]string{"common_name": "a", "sans": `10.0.0.1`, "cert_requests": `{"b":{"sans":["10.0.0.2"]}}`},
		want:     []Request{{Unit: "etcd/0", CN: "b", SANs: []string{"10.0.0.2"}}},
		problems: []string{`request of etcd/0 for "a": sans 10.0.0.1 is not a JSON list`},
	}, {
		name:     "sans of the wrong JSON type",
		bag:      map[string]string{"common_name": "a", "sans": `{"x":1}`},
		problems: []string{"not a JSON list of strings"},
	}, {
		name:     "missing common name",
		bag:      map[string]string{"unit_name": "etcd_0", "sans": `["10.0.0.1"]`, "certificate_name": "etcd_0"},
		problems: []string{"request of etcd/0: no common_name"},
	}, {
		name:     "empty common name in cert_requests",
		bag:      map[string]string{"cert_requests": `{"":{"sans":[]},"ok":{"sans":[]}}`},
		want:     []Request{{Unit: "etcd/0", CN: "ok", SANs: []string{}}},
		problems: []string{"a request with no common name"},
	}, {
		name:     "cert_requests not an object",
		bag:      map[string]string{"cert_requests": `["a"]`},
		problems: []string{"not a JSON object of requests"},
	}, {
		name:     "SAN that is no name",
		bag:      map[string]string{"common_name": "a", "sans": `["bad name"]`},
		problems: []string{`SAN "bad name" is neither an IP address nor a DNS name`},
	}, {
		name:     "SAN injecting openssl config",
		bag:      map[string]string{"common_name": "a", "sans": `["x\nDNS:y"]`},
		problems: []string{"neither an IP address nor a DNS name"},
	}, {
		name:     "CN injecting a subject",
		bag:      map[string]string{"common_name": "a/O=evil"},
		problems: []string{"contains one of"},
	}, {
		name:     "CN too long",
		bag:      map[string]string{"common_name": strings.Repeat("a", 65)},
		problems: []string{"longer than 64 characters"},
	}, {
		name:     "CN with a control character",
		bag:      map[string]string{"common_name": "a\tb"},
		problems: []string{"control character"},
	}, {
		name: "client_cert_requests, even for the top-level CN",
		bag: map[string]string{
			"common_name": "a", "client_cert_requests": `{"a":{"sans":[]},"system:kube-apiserver":{"sans":null}}`,
		},
		want: []Request{
			{Unit: "etcd/0", CN: "a", TopLevel: true},
			{Unit: "etcd/0", CN: "a", SANs: []string{}, Client: true},
			{Unit: "etcd/0", CN: "system:kube-apiserver", Client: true},
		},
	}, {
		name:     "client_cert_requests not an object",
		bag:      map[string]string{"client_cert_requests": `"x"`},
		problems: []string{"client_cert_requests of etcd/0: not a JSON object"},
	}, {
		name: "wildcard DNS SAN",
		bag:  map[string]string{"common_name": "a", "sans": `["*.apps.example"]`},
		want: []Request{{Unit: "etcd/0", CN: "a", SANs: []string{"*.apps.example"}, TopLevel: true}},
	}, {
		// The etcd charm's request: its addresses, hostname and the DNS
		// name of its application's peers (a .invalid name: an identity,
		// which real easyrsa passes on as DNS:<name> like any other).
		name: "the etcd charm's request with its peer name",
		bag: map[string]string{"common_name": "10.0.0.1", "certificate_name": "etcd_0", "unit_name": "etcd_0",
			"sans": `["10.0.0.1","10.0.1.1","127.0.0.1","etcd.0011223344556677.etcd-peer.invalid","host-0"]`},
		want: []Request{{Unit: "etcd/0", CertName: "etcd_0", CN: "10.0.0.1", TopLevel: true,
			SANs: []string{"10.0.0.1", "10.0.1.1", "127.0.0.1", "etcd.0011223344556677.etcd-peer.invalid", "host-0"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := ParseRequests("etcd/0", tt.bag)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("requests:\n got %#v\nwant %#v", got, tt.want)
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems = %v, want %d like %q", problems, len(tt.problems), tt.problems)
			}
			for i, p := range problems {
				if !strings.Contains(p.Error(), tt.problems[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, p, tt.problems[i])
				}
			}
		})
	}
}

func TestKeys(t *testing.T) {
	tests := []struct{ got, want string }{
		{ServerCertKey("etcd/0"), "etcd_0.server.cert"},
		{ServerKeyKey("etcd/12"), "etcd_12.server.key"},
		{ProcessedKey("kubernetes-control-plane/1"), "kubernetes-control-plane_1.processed_requests"},
		{ProcessedClientKey("kubernetes-control-plane/1"), "kubernetes-control-plane_1.processed_client_requests"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
