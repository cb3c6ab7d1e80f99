// Package tlscerts is the provider side of the old-style `tls-certificates`
// interface as Canonical's easyrsa charm speaks it (interface-tls-certificates
// provides.py, layer-etcd-reference.md §5): it decodes the requests a
// requirer unit writes into its unit databag and encodes the answers the
// provider writes into its own unit databag. It does no I/O.
//
// A requirer unit asks in three forms, which may be combined:
//   - the original single request: raw keys `common_name`, `certificate_name`
//     and `sans` (a JSON list of strings), plus `unit_name` (the unit name
//     with "/" replaced by "_");
//   - the newer `cert_requests`: JSON {"<cn>": {"sans": [...]}} for every
//     further server certificate;
//   - `client_cert_requests`, the same shape, for client certificates.
//
// The provider answers the single request with raw keys
// `<unit>.server.cert` / `<unit>.server.key`, where <unit> is the requirer's
// unit name with "/" replaced by "_" (for the etcd charm this is also its
// certificate_name), and the others with `<unit>.processed_requests` and
// `<unit>.processed_client_requests`, JSON {"<cn>": {"cert": PEM, "key":
// PEM}}. Every requirer also gets `ca` and the global client pair
// `client.cert` / `client.key`.
package tlscerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Request keys in a requirer unit's databag.
const (
	KeyUnitName        = "unit_name"
	KeyCommonName      = "common_name"
	KeyCertificateName = "certificate_name"
	KeySANs            = "sans"
	KeyCertRequests    = "cert_requests"
	// KeyClientCertRequests asks for client certificates (EKU clientAuth),
	// answered in <unit>.processed_client_requests.
	KeyClientCertRequests = "client_cert_requests"
)

// Answer keys in the provider unit's databag.
const (
	KeyCA         = "ca"
	KeyChain      = "chain"
	KeyClientCert = "client.cert"
	KeyClientKey  = "client.key"
)

// Request is one certificate request of one requirer unit.
type Request struct {
	// Unit is the requirer unit as Juju names it ("etcd/0").
	Unit string
	// CertName is certificate_name of a top-level request ("" otherwise).
	CertName string
	// CN is the requested common name.
	CN string
	// SANs are the requested subject alternative names, sorted and
	// deduplicated; IP addresses in canonical form.
	SANs []string
	// TopLevel is true for the original single request (answered with raw
	// <unit>.server.cert/key keys), false for an entry of cert_requests.
	TopLevel bool
	// Client is true for an entry of client_cert_requests: a client
	// certificate, answered in processed_client_requests.
	Client bool
}

// MungedUnit is the unit name as the interface writes it in keys: "etcd_0".
func MungedUnit(unit string) string { return strings.ReplaceAll(unit, "/", "_") }

// ServerCertKey and ServerKeyKey are the raw answer keys of a top-level
// request of unit.
func ServerCertKey(unit string) string { return MungedUnit(unit) + ".server.cert" }
func ServerKeyKey(unit string) string  { return MungedUnit(unit) + ".server.key" }

// ProcessedKey is the answer key of unit's cert_requests.
func ProcessedKey(unit string) string { return MungedUnit(unit) + ".processed_requests" }

// ProcessedClientKey is the answer key of unit's client_cert_requests.
func ProcessedClientKey(unit string) string {
	return MungedUnit(unit) + ".processed_client_requests"
}

// answerKey is where req is answered when it is not top-level.
func (req Request) answerKey() string {
	if req.Client {
		return ProcessedClientKey(req.Unit)
	}
	return ProcessedKey(req.Unit)
}

// ParseRequests decodes the requests in unit's databag. A malformed request
// (no common name, SANs that are not a JSON list of names, an invalid name)
// is returned in problems and left out; the others are still returned, so
// one bad request never blocks the rest. An empty databag (the unit has not
// asked yet) gives neither requests nor problems.
func ParseRequests(unit string, bag map[string]string) (reqs []Request, problems []error) {
	cn, hasCN := bag[KeyCommonName]
	rawSANs, hasSANs := bag[KeySANs]
	certName := bag[KeyCertificateName]
	switch {
	case hasCN && cn != "":
		sans, err := parseSANList(rawSANs)
		if err == nil {
			err = ValidateCN(cn)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("request of %s for %q: %w", unit, cn, err))
			break
		}
		reqs = append(reqs, Request{Unit: unit, CertName: certName, CN: cn, SANs: sans, TopLevel: true})
	case hasSANs || certName != "":
		problems = append(problems, fmt.Errorf("request of %s: no common_name", unit))
	}

	skip := ""
	if hasCN {
		skip = cn // already answered as the top-level request
	}
	reqs, problems = parseMulti(unit, KeyCertRequests, bag[KeyCertRequests], false, skip, reqs, problems)
	return parseMulti(unit, KeyClientCertRequests, bag[KeyClientCertRequests], true, "", reqs, problems)
}

// parseMulti decodes a JSON {"<cn>": {"sans": [...]}} request collection
// (cert_requests or client_cert_requests), appending to reqs and problems.
func parseMulti(unit, key, raw string, client bool, skip string, reqs []Request, problems []error) ([]Request, []error) {
	if raw == "" {
		return reqs, problems
	}
	var multi map[string]struct {
		SANs json.RawMessage `json:"sans"`
	}
	if err := json.Unmarshal([]byte(raw), &multi); err != nil {
		return reqs, append(problems, fmt.Errorf("%s of %s: not a JSON object of requests: %w", key, unit, err))
	}
	names := make([]string, 0, len(multi))
	for name := range multi {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			problems = append(problems, fmt.Errorf("%s of %s: a request with no common name", key, unit))
			continue
		}
		if name == skip {
			continue
		}
		sans, err := decodeSANs(multi[name].SANs)
		if err == nil {
			err = ValidateCN(name)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("%s of %s for %q: %w", key, unit, name, err))
			continue
		}
		reqs = append(reqs, Request{Unit: unit, CN: name, SANs: sans, Client: client})
	}
	return reqs, problems
}

// parseSANList decodes the raw `sans` key: a JSON list of strings; absent
// or JSON null means none.
func parseSANList(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	return decodeSANs(json.RawMessage(raw))
}

func decodeSANs(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("sans %s is not a JSON list of strings", truncate(string(raw), 60))
	}
	return NormalizeSANs(list)
}

// NormalizeSANs validates names (IP addresses or DNS names) and returns them
// sorted, deduplicated, IPs in canonical form.
func NormalizeSANs(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, s := range list {
		n, err := normalizeSAN(s)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// dnsName is what we accept as a DNS SAN: labels of letters, digits, '-' and
// '_' (hostnames in the wild have them), an optional leading wildcard label.
var dnsName = regexp.MustCompile(`^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$`)

func normalizeSAN(s string) (string, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		if ip.Zone() != "" {
			return "", fmt.Errorf("SAN %q: an IP address with a zone cannot be certified", s)
		}
		return ip.Unmap().String(), nil
	}
	if len(s) > 253 || !dnsName.MatchString(s) {
		return "", fmt.Errorf("SAN %q is neither an IP address nor a DNS name", truncate(s, 60))
	}
	return s, nil
}

// IsIP reports whether a normalized SAN is an IP address.
func IsIP(san string) bool {
	_, err := netip.ParseAddr(san)
	return err == nil
}

// ValidateCN rejects common names the CA cannot certify: empty, longer than
// X.509's 64 characters, or with characters that would end up inside the
// subject string or the openssl configuration EasyRSA writes ('/', '\',
// '=', '"', control characters).
func ValidateCN(cn string) error {
	switch {
	case cn == "":
		return errors.New("empty common name")
	case len(cn) > 64:
		return fmt.Errorf("common name %q is longer than 64 characters", truncate(cn, 60))
	case strings.ContainsAny(cn, "/\\=\"$`"):
		return fmt.Errorf("common name %q contains one of / \\ = \" $ `", cn)
	}
	for _, r := range cn {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("common name %q contains a control character", cn)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
