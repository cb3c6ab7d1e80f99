// Package relations encodes and decodes the charm's relation data: pure
// functions over the string maps relation-get returns and relation-set
// takes, with the exact keys and value forms layer-etcd and its partners use
// (layer-etcd-reference.md §5-6).
package relations

import (
	"encoding/json"
	"sort"
	"strings"
)

// CertName is the certificate name the etcd charm requests for unit:
// "etcd/0" → "etcd_0" (tls-certificates' unit_name and certificate_name).
func CertName(unit string) string { return strings.ReplaceAll(unit, "/", "_") }

// CertRequest is a server certificate request in the old-style
// tls-certificates keys easyrsa reads from the requirer's unit bag.
type CertRequest struct {
	CommonName string
	SANs       []string
	CertName   string
}

// Settings renders the request as unit-bag keys: unit_name,
// common_name, certificate_name and sans (a JSON list, sorted, deduped).
func (r CertRequest) Settings() map[string]string {
	sans := uniqueSorted(r.SANs)
	js, _ := json.Marshal(sans) // a []string always marshals
	return map[string]string{
		"unit_name":        r.CertName,
		"common_name":      r.CommonName,
		"certificate_name": r.CertName,
		"sans":             string(js),
	}
}

func uniqueSorted(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Certificates is what a tls-certificates provider answered for one
// certificate name: the CA, this unit's server pair and the provider's
// global client pair.
type Certificates struct {
	CA         string
	ServerCert string
	ServerKey  string
	ClientCert string
	ClientKey  string
}

// Complete reports whether every part has arrived.
func (c Certificates) Complete() bool {
	return c.CA != "" && c.ServerCert != "" && c.ServerKey != "" && c.ClientCert != "" && c.ClientKey != ""
}

// FindCertificates looks through the provider units' bags for the answer
// to certName. easyrsa answers in the leader's bag, but any unit may carry
// it, so the first bag with the server pair wins; a chain, when present, is
// appended to both certificates as layer-tls-client does. The newer
// `<certName>.processed_requests` form is read too.
func FindCertificates(bags []map[string]string, certName string) Certificates {
	var c Certificates
	for _, bag := range bags {
		if c.CA == "" {
			c.CA = bag["ca"]
		}
		chain := bag["chain"]
		if c.ClientCert == "" && bag["client.cert"] != "" {
			c.ClientCert = withChain(bag["client.cert"], chain)
			c.ClientKey = bag["client.key"]
		}
		if c.ServerCert == "" {
			cert, key := serverPair(bag, certName)
			if cert != "" && key != "" {
				c.ServerCert, c.ServerKey = withChain(cert, chain), key
			}
		}
	}
	return c
}

func serverPair(bag map[string]string, certName string) (cert, key string) {
	if cert, key = bag[certName+".server.cert"], bag[certName+".server.key"]; cert != "" {
		return cert, key
	}
	var processed map[string]struct {
		Cert string `json:"cert"`
		Key  string `json:"key"`
	}
	if err := json.Unmarshal([]byte(bag[certName+".processed_requests"]), &processed); err != nil {
		return "", ""
	}
	names := make([]string, 0, len(processed))
	for cn := range processed {
		names = append(names, cn)
	}
	sort.Strings(names)
	for _, cn := range names {
		if p := processed[cn]; p.Cert != "" && p.Key != "" {
			return p.Cert, p.Key
		}
	}
	return "", ""
}

func withChain(cert, chain string) string {
	if chain == "" {
		return cert
	}
	return strings.TrimRight(cert, "\n") + "\n" + chain
}
