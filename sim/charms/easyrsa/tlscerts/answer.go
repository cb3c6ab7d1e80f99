package tlscerts

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Pair is a PEM certificate and its PEM private key.
type Pair struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// Issued is the answer to one request.
type Issued struct {
	Request
	Pair
}

// Existing returns what the provider's own databag already answers to req,
// if anything.
func Existing(own map[string]string, req Request) (Pair, bool) {
	if req.TopLevel {
		p := Pair{Cert: own[ServerCertKey(req.Unit)], Key: own[ServerKeyKey(req.Unit)]}
		return p, p.Cert != "" && p.Key != ""
	}
	processed, err := decodeProcessed(own[req.answerKey()])
	if err != nil {
		return Pair{}, false
	}
	p, ok := processed[req.CN]
	return p, ok && p.Cert != "" && p.Key != ""
}

func decodeProcessed(raw string) (map[string]Pair, error) {
	m := map[string]Pair{}
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("cannot decode processed requests: %w", err)
	}
	return m, nil
}

// renewBefore is how long before expiry a certificate is re-issued.
const renewBefore = 30 * 24 * time.Hour

// Current reports whether pair answers req as it stands: a certificate
// signed by ca, for req's common name and exactly req's SANs, usable for
// client authentication and, unless req asks for a client certificate,
// server authentication, not about to expire. When it is not, the reason
// says why (for the log).
func Current(pair Pair, ca *x509.Certificate, req Request, now time.Time) (ok bool, reason string) {
	cert, err := ParseCert(pair.Cert)
	if err != nil {
		return false, err.Error()
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return false, "not signed by the current CA"
	}
	if cert.Subject.CommonName != req.CN {
		return false, fmt.Sprintf("common name %q, requested %q", cert.Subject.CommonName, req.CN)
	}
	have := CertSANs(cert)
	if !slices.Equal(have, req.SANs) {
		return false, fmt.Sprintf("SANs %v, requested %v", have, req.SANs)
	}
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		return false, "missing clientAuth extended key usage"
	}
	if !req.Client && !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		return false, "missing serverAuth extended key usage"
	}
	if now.Add(renewBefore).After(cert.NotAfter) {
		return false, "expires " + cert.NotAfter.UTC().Format(time.RFC3339)
	}
	return true, ""
}

// ParseCert decodes the first certificate of a PEM string.
func ParseCert(s string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot parse certificate: %w", err)
	}
	return cert, nil
}

// CertSANs lists a certificate's IP and DNS SANs, normalized like a
// request's.
func CertSANs(cert *x509.Certificate) []string {
	out := make([]string, 0, len(cert.IPAddresses)+len(cert.DNSNames))
	for _, ip := range cert.IPAddresses {
		out = append(out, canonicalIP(ip))
	}
	out = append(out, cert.DNSNames...)
	slices.Sort(out)
	return slices.Compact(out)
}

func canonicalIP(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.String()
}

// safeKeyName is a certificate_name we are willing to echo as a key prefix.
var safeKeyName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// Settings returns the provider unit's databag writes for one relation:
// the CA, the global client pair and every issued certificate. A top-level
// answer is also written under <certificate_name>.server.cert/key when the
// requirer chose a certificate_name other than its munged unit name (older
// requirers look it up there), unless that name is another unit's. Keys of
// earlier answers that are no longer wanted (a departed unit, a dropped
// request) are deleted (set to "") from own, the current bag.
func Settings(own map[string]string, ca string, client Pair, issued []Issued, units []string) (map[string]string, error) {
	out := map[string]string{
		KeyCA:         ca,
		KeyClientCert: client.Cert,
		KeyClientKey:  client.Key,
	}
	taken := map[string]bool{}
	for _, u := range units {
		taken[MungedUnit(u)] = true
	}
	processed := map[string]map[string]Pair{} // by answer key
	for _, is := range issued {
		if !is.TopLevel {
			key := is.answerKey()
			if processed[key] == nil {
				processed[key] = map[string]Pair{}
			}
			processed[key][is.CN] = is.Pair
			continue
		}
		out[ServerCertKey(is.Unit)] = is.Cert
		out[ServerKeyKey(is.Unit)] = is.Key
		if is.CertName != "" && is.CertName != MungedUnit(is.Unit) && safeKeyName.MatchString(is.CertName) && !taken[is.CertName] {
			out[is.CertName+".server.cert"] = is.Cert
			out[is.CertName+".server.key"] = is.Key
		}
	}
	for key, m := range processed {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("cannot encode %s: %w", key, err)
		}
		out[key] = string(b)
	}
	for k := range own {
		if _, keep := out[k]; keep {
			continue
		}
		if isAnswerKey(k) {
			out[k] = ""
		}
	}
	// Drop writes that change nothing, so an unchanged answer does not
	// show up as a relation-set at all.
	// Juju trims values (juju/utils keyvalues), so compare trimmed.
	for k, v := range out {
		if old, ok := own[k]; (ok && strings.TrimSpace(old) == strings.TrimSpace(v)) || (!ok && v == "") {
			delete(out, k)
		}
	}
	return out, nil
}

func isAnswerKey(k string) bool {
	for _, suffix := range []string{".server.cert", ".server.key", ".processed_requests", ".processed_client_requests"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}
