package charm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCipherSuites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		option string
		want   []string
		// wantErr: the ConfigError's reason must name each of these.
		wantErr []string
	}{
		{name: "empty is the default list", option: "", want: DefaultCipherSuites},
		{name: "blank is the default list", option: "   ", want: DefaultCipherSuites},
		{name: "a list with spaces and empty items", option: " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ,, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
			want: []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}},
		{name: "legacy CHACHA20 name", option: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", want: []string{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"}},
		{name: "insecure names etcd accepts", option: "TLS_RSA_WITH_AES_128_CBC_SHA", want: []string{"TLS_RSA_WITH_AES_128_CBC_SHA"}},
		{name: "only separators names nothing", option: " , ,", wantErr: []string{"names no cipher suite"}},
		{name: "one comma names nothing", option: ",", wantErr: []string{"names no cipher suite"}},
		{name: "unknown names are all named", option: "TLS_NOPE, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls_ecdhe_rsa_with_aes_128_gcm_sha256",
			wantErr: []string{"TLS_NOPE", "tls_ecdhe_rsa_with_aes_128_gcm_sha256"}},
		{name: "TLS 1.3 suites are not configurable", option: "TLS_AES_128_GCM_SHA256", wantErr: []string{"TLS_AES_128_GCM_SHA256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Config{TLSCipherSuites: tc.option}.CipherSuites()
			if tc.wantErr == nil {
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("CipherSuites() = %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Option != "tls_cipher_suites" {
				t.Fatalf("CipherSuites() = %v, %v; want a ConfigError naming tls_cipher_suites", got, err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(ce.Reason, w) {
					t.Errorf("reason %q does not mention %q", ce.Reason, w)
				}
			}
		})
	}
}

// Validate refuses what CipherSuites and ValidateRefreshTimer refuse, so
// the hooks block on them before anything is rendered or set.
func TestValidateRefusesBadCiphersAndTimer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		option string
	}{
		{"cipher list of separators", func(c *Config) { c.TLSCipherSuites = " , ," }, "tls_cipher_suites"},
		{"refresh timer garbage", func(c *Config) { c.SnapdRefresh = "someday" }, "snapd_refresh"},
		{"refresh timer schedule", func(c *Config) { c.SnapdRefresh = "fri,sat5,10:00~12:00" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkValidate(t, tc.change, tc.option)
		})
	}
}
