package charm

import (
	"crypto/tls"
	"fmt"
	"sort"
	"strings"
)

// DefaultCipherSuites is layer-etcd's default (Mozilla intermediate).
var DefaultCipherSuites = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
}

// CipherSuites returns the configured cipher suites, or the default list
// when the option is empty.
//
// Names are Go's crypto/tls names, which is what etcd looks them up by
// (client/pkg/tlsutil GetCipherSuite: tls.CipherSuites(),
// tls.InsecureCipherSuites() and the two legacy CHACHA20 names). TLS 1.3
// suites are not configurable in Go, so naming one is an error rather
// than a no-op. A list that names no suite at all (" , ,") is an error
// too: rendered as `cipher-suites: []` it would make etcd accept Go's
// whole default set, CBC and SHA-1 suites included.
func (c Config) CipherSuites() ([]string, error) {
	if strings.TrimSpace(c.TLSCipherSuites) == "" {
		return DefaultCipherSuites, nil
	}
	known := tls12Suites()
	var suites, unknown []string
	for _, s := range strings.Split(c.TLSCipherSuites, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case known[s]:
			suites = append(suites, s)
		default:
			unknown = append(unknown, s)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &ConfigError{"tls_cipher_suites", fmt.Sprintf("unknown TLS 1.2 cipher suites %s (want Go's names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)", strings.Join(unknown, ", "))}
	}
	if len(suites) == 0 {
		return nil, &ConfigError{"tls_cipher_suites", fmt.Sprintf("%q names no cipher suite (leave it empty for the default list)", c.TLSCipherSuites)}
	}
	return suites, nil
}

// tls12Suites are the suite names etcd accepts that TLS 1.2 can use.
func tls12Suites() map[string]bool {
	known := map[string]bool{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		for _, v := range s.SupportedVersions {
			if v <= tls.VersionTLS12 {
				known[s.Name] = true
			}
		}
	}
	// Go's legacy names etcd still accepts.
	known["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"] = true
	known["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"] = true
	return known
}
