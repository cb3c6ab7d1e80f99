package relations

import (
	"reflect"
	"testing"
)

func TestCertRequestSettings(t *testing.T) {
	r := CertRequest{CommonName: "10.0.0.5", SANs: []string{"127.0.0.1", "10.0.0.5", "host-0", "10.0.0.5", ""}, CertName: CertName("etcd/0")}
	want := map[string]string{
		"unit_name":        "etcd_0",
		"common_name":      "10.0.0.5",
		"certificate_name": "etcd_0",
		"sans":             `["10.0.0.5","127.0.0.1","host-0"]`,
	}
	if got := r.Settings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Settings() = %v, want %v", got, want)
	}
}

func TestFindCertificates(t *testing.T) {
	full := map[string]string{
		"ca": "CA", "client.cert": "CC", "client.key": "CK",
		"etcd_0.server.cert": "SC0", "etcd_0.server.key": "SK0",
	}
	tests := []struct {
		name     string
		bags     []map[string]string
		want     Certificates
		complete bool
	}{
		{"nothing yet", []map[string]string{{}}, Certificates{}, false},
		{"ca only", []map[string]string{{"ca": "CA"}}, Certificates{CA: "CA"}, false},
		{"complete in one bag", []map[string]string{full},
			Certificates{"CA", "SC0", "SK0", "CC", "CK"}, true},
		{"other unit's cert is not ours", []map[string]string{{"ca": "CA", "etcd_1.server.cert": "X", "etcd_1.server.key": "Y"}},
			Certificates{CA: "CA"}, false},
		{"spread over bags", []map[string]string{{"ca": "CA"}, {"client.cert": "CC", "client.key": "CK", "etcd_0.server.cert": "SC0", "etcd_0.server.key": "SK0"}},
			Certificates{"CA", "SC0", "SK0", "CC", "CK"}, true},
		{"chain appended", []map[string]string{{"ca": "CA", "chain": "CHAIN", "client.cert": "CC\n", "client.key": "CK", "etcd_0.server.cert": "SC0", "etcd_0.server.key": "SK0"}},
			Certificates{"CA", "SC0\nCHAIN", "SK0", "CC\nCHAIN", "CK"}, true},
		{"processed requests", []map[string]string{{"ca": "CA", "client.cert": "CC", "client.key": "CK",
			"etcd_0.processed_requests": `{"10.0.0.5":{"cert":"SCN","key":"SKN"}}`}},
			Certificates{"CA", "SCN", "SKN", "CC", "CK"}, true},
		{"malformed processed requests", []map[string]string{{"ca": "CA", "etcd_0.processed_requests": `{not json`}},
			Certificates{CA: "CA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FindCertificates(tt.bags, "etcd_0")
			if got != tt.want {
				t.Errorf("FindCertificates() = %+v, want %+v", got, tt.want)
			}
			if got.Complete() != tt.complete {
				t.Errorf("Complete() = %v", got.Complete())
			}
		})
	}
}
