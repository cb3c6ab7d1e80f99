package relations

import (
	"sort"
	"strings"
)

// Client is what every etcd unit publishes, identically, in its unit bag
// on each `db` relation (interface etcd). kubernetes-control-plane reads
// the first remote unit's bag and needs all of connection_string,
// client_cert, client_key and client_ca (layer-etcd-reference.md §6);
// version is informational.
type Client struct {
	ConnectionString string
	Version          string
	ClientCert       string
	ClientKey        string
	ClientCA         string
}

// Settings renders the db bag.
func (c Client) Settings() map[string]string {
	return map[string]string{
		"connection_string": c.ConnectionString,
		"version":           c.Version,
		"client_cert":       c.ClientCert,
		"client_key":        c.ClientKey,
		"client_ca":         c.ClientCA,
	}
}

// ProxySettings renders the etcd-proxy bag: the member list as
// "name=peerURL,..." plus the same credentials.
func (c Client) ProxySettings(cluster string) map[string]string {
	return map[string]string{
		"cluster":     cluster,
		"client_cert": c.ClientCert,
		"client_key":  c.ClientKey,
		"client_ca":   c.ClientCA,
	}
}

// ConnectionString joins client URLs sorted, as layer-etcd does.
func ConnectionString(clientURLs []string) string {
	urls := uniqueSorted(clientURLs)
	sort.Strings(urls)
	return strings.Join(urls, ",")
}
