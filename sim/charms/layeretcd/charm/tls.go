package charm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// The requirer keys interface-tls-certificates' requires.py writes into
// the unit's own databag for request_server_cert (reference §5).
const (
	keyUnitName        = "unit_name"
	keyCommonName      = "common_name"
	keyCertificateName = "certificate_name"
	keySANs            = "sans"
)

// CertRequest is prepare_tls_certificates's request.
type CertRequest struct {
	CommonName string
	SANs       []string
	CertName   string // unit name with / → _
}

// NewCertRequest builds the request: CN the public address; SANs (sorted,
// deduplicated) the CN, every ingress address of db and cluster, the host
// name, 127.0.0.1 and every peer's db-ingress-address.
func NewCertRequest(unit, public, hostname string, dbIngress, clusterIngress, peerDB []string) CertRequest {
	sans := []string{public, hostname, "127.0.0.1"}
	sans = append(sans, dbIngress...)
	sans = append(sans, clusterIngress...)
	sans = append(sans, peerDB...)
	sans = slices.DeleteFunc(sans, func(s string) bool { return s == "" })
	slices.Sort(sans)
	return CertRequest{CommonName: public, SANs: slices.Compact(sans), CertName: strings.ReplaceAll(unit, "/", "_")}
}

// Bag is the request as relation data.
func (r CertRequest) Bag() map[string]string {
	sans, _ := json.Marshal(r.SANs)
	return map[string]string{
		keyUnitName:        r.CertName,
		keyCommonName:      r.CommonName,
		keyCertificateName: r.CertName,
		keySANs:            string(sans),
	}
}

// TLSFiles are the PEM contents layer:tls-client saves.
type TLSFiles struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// Complete reports whether every file has content (the four
// tls_client.*.saved flags).
func (f TLSFiles) Complete() bool {
	return f.CA != "" && f.ServerCert != "" && f.ServerKey != "" && f.ClientCert != "" && f.ClientKey != ""
}

// FindTLS reads a provider unit's bag: ca, chain, client.cert/key and
// <cert_name>.server.cert/key, or the newer <cert_name>.processed_requests
// answer for the common name.
func FindTLS(bag map[string]string, req CertRequest) TLSFiles {
	f := TLSFiles{CA: bag["ca"], ClientCert: bag["client.cert"], ClientKey: bag["client.key"]}
	f.ServerCert, f.ServerKey = bag[req.CertName+".server.cert"], bag[req.CertName+".server.key"]
	if f.ServerCert == "" || f.ServerKey == "" {
		var processed map[string]struct{ Cert, Key string }
		if json.Unmarshal([]byte(bag[req.CertName+".processed_requests"]), &processed) == nil {
			if p, ok := processed[req.CommonName]; ok {
				f.ServerCert, f.ServerKey = p.Cert, p.Key
			}
		}
	}
	if chain := bag["chain"]; chain != "" {
		// tls-client appends the chain to both certificates.
		if f.ServerCert != "" {
			f.ServerCert += "\n" + chain
		}
		if f.ClientCert != "" {
			f.ClientCert += "\n" + chain
		}
	}
	return f
}

// WriteTLS saves the files as tls-client does (0440, in the snap's common
// dir, which is created 0770 when missing) plus the CA into the system
// store under the application's name. It reports which changed.
func WriteTLS(p Paths, app string, f TLSFiles) (changed bool, err error) {
	if err := os.MkdirAll(p.ConfDir(), 0o770); err != nil {
		return false, fmt.Errorf("cannot write TLS files: %w", err)
	}
	for _, w := range []struct {
		path, data string
		mode       os.FileMode
	}{
		{p.CA(), f.CA, 0o440},
		{p.ServerCert(), f.ServerCert, 0o440},
		{p.ServerKey(), f.ServerKey, 0o440},
		{p.ClientCert(), f.ClientCert, 0o440},
		{p.ClientKey(), f.ClientKey, 0o440},
		{p.SystemCA(app), f.CA, 0o644},
	} {
		if old, err := os.ReadFile(w.path); err == nil && bytes.Equal(old, []byte(w.data)) {
			continue
		}
		if err := writeFile(w.path, []byte(w.data), w.mode); err != nil {
			return changed, fmt.Errorf("cannot write TLS files: %w", err)
		}
		changed = true
	}
	return changed, nil
}

// ReadTLS reads the saved files back (read_tls_cert).
func ReadTLS(p Paths) TLSFiles {
	read := func(path string) string {
		b, _ := os.ReadFile(path)
		return string(b)
	}
	return TLSFiles{CA: read(p.CA()), ServerCert: read(p.ServerCert()), ServerKey: read(p.ServerKey()),
		ClientCert: read(p.ClientCert()), ClientKey: read(p.ClientKey())}
}
