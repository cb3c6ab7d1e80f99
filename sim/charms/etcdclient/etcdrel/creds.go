// Package etcdrel is the requirer side of the `etcd` interface as
// kubernetes-control-plane reads it (charms.kubernetes_libs.v0.etcd,
// layer-etcd-reference.md §6): the etcd charm writes, in the unit databag
// of every etcd unit, raw strings connection_string (comma-joined
// https://<addr>:<port>), client_cert, client_key, client_ca (PEM) and
// version (informational; "presume 2.x if absent"). The requirer reads the
// first remote unit's bag only and is ready when the first four are all
// set. It does no I/O.
package etcdrel

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Databag keys the etcd charm publishes.
const (
	KeyConnectionString = "connection_string"
	KeyClientCert       = "client_cert"
	KeyClientKey        = "client_key"
	KeyClientCA         = "client_ca"
	KeyVersion          = "version"
)

// Creds is what one etcd unit publishes.
type Creds struct {
	ConnectionString string
	Cert, Key, CA    string
	// Version is etcd's version, "" when not published.
	Version string
}

// Parse reads a databag. Missing lists the required keys that are absent
// or empty, in a fixed order; the credentials are only usable when it is
// empty.
func Parse(bag map[string]string) (c Creds, missing []string) {
	c = Creds{
		ConnectionString: bag[KeyConnectionString],
		Cert:             bag[KeyClientCert],
		Key:              bag[KeyClientKey],
		CA:               bag[KeyClientCA],
		Version:          bag[KeyVersion],
	}
	for _, kv := range []struct{ k, v string }{
		{KeyConnectionString, c.ConnectionString}, {KeyClientCert, c.Cert},
		{KeyClientKey, c.Key}, {KeyClientCA, c.CA},
	} {
		if strings.TrimSpace(kv.v) == "" {
			missing = append(missing, kv.k)
		}
	}
	return c, missing
}

// Endpoints splits connection_string into its URLs, each checked to be
// https://host:port with nothing else (kube-apiserver's --etcd-servers takes
// the same list).
func (c Creds) Endpoints() ([]string, error) {
	var eps []string
	for _, raw := range strings.Split(c.ConnectionString, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("connection_string endpoint %q: %w", raw, err)
		}
		switch {
		case u.Scheme != "https":
			return nil, fmt.Errorf("connection_string endpoint %q is not https", raw)
		case u.Hostname() == "" || u.Port() == "":
			return nil, fmt.Errorf("connection_string endpoint %q has no host:port", raw)
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "":
			return nil, fmt.Errorf("connection_string endpoint %q has more than scheme, host and port", raw)
		}
		eps = append(eps, u.Scheme+"://"+u.Host)
	}
	if len(eps) == 0 {
		return nil, errors.New("connection_string lists no endpoint")
	}
	return eps, nil
}

// TLS builds the client TLS configuration: the client pair, and the CA as
// the only root trusted for etcd's server certificates.
func (c Creds) TLS() (*tls.Config, error) {
	pair, err := tls.X509KeyPair([]byte(c.Cert), []byte(c.Key))
	if err != nil {
		return nil, fmt.Errorf("client_cert/client_key: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(c.CA)) {
		return nil, errors.New("client_ca holds no PEM certificate")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		MinVersion:   tls.VersionTLS12,
	}, nil
}
