package charm

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// DefaultCipherSuites is templates/etcd3.conf's list when tls_cipher_suites
// is empty (Mozilla intermediate, LP#1970993).
const DefaultCipherSuites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384," +
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"

// Bag is the part of the original's EtcdDatabag its etcd3.conf template
// reads (etcd_databag.py).
type Bag struct {
	UnitName           string // etcd0
	DataDir            string
	SnapshotCount      int
	HeartbeatInterval  int
	ElectionTimeout    int
	ClusterBindAddress string // 0.0.0.0 or the cluster binding's address
	ManagementPort     int
	ListenClientURLs   []string
	ClusterAddress     string // cluster ingress address
	AdvertiseURLs      []string
	Cluster            string // initial-cluster
	Token              string
	ClusterState       string // new or existing
	CACertificate      string
	ServerCertificate  string
	ServerKey          string
	TLSCipherSuites    string
}

// BuildURI is etcd_lib.build_uri: IPv6 literals in brackets.
func BuildURI(scheme, address string, port int) string {
	if a, err := netip.ParseAddr(address); err == nil && a.Is6() && !a.Is4In6() {
		address = "[" + a.String() + "]"
	}
	return fmt.Sprintf("%s://%s:%d", scheme, address, port)
}

// ConnectionString is etcdctl.get_connection_string: the members' URLs on
// port, comma-joined, in the order given.
func ConnectionString(addrs []string, port int) string {
	urls := make([]string, len(addrs))
	for i, a := range addrs {
		urls[i] = BuildURI("https", a, port)
	}
	return strings.Join(urls, ",")
}

// The keys, order and values of layer-etcd's templates/etcd3.conf; the
// comments are ours.
var etcd3Conf = template.Must(template.New("etcd3.conf").Funcs(template.FuncMap{
	"uri":  BuildURI,
	"join": strings.Join,
}).Parse(`# etcd.conf.yml rendered by the layer-etcd stand-in (templates/etcd3.conf).

name: {{ .UnitName }}

# API v2 for flannel and the charm's own etcdctl calls.
enable-v2: true

data-dir: {{ .DataDir }}

snapshot-count: {{ .SnapshotCount }}

heartbeat-interval: {{ .HeartbeatInterval }}

election-timeout:  {{ .ElectionTimeout }}

quota-backend-bytes: 0

listen-peer-urls: {{ uri "https" .ClusterBindAddress .ManagementPort }}
listen-client-urls: {{ join .ListenClientURLs "," }}

max-snapshots: 5

max-wals: 5

cors: 

initial-advertise-peer-urls: {{ uri "https" .ClusterAddress .ManagementPort }}

advertise-client-urls: {{ join .AdvertiseURLs "," }}

discovery: 

discovery-fallback: 'proxy'

discovery-proxy: 

discovery-srv: 

initial-cluster: {{ .Cluster }}

initial-cluster-token: '{{ .Token }}'

initial-cluster-state: {{ .ClusterState }}

strict-reconfig-check: true

proxy: 'off'

proxy-failure-wait: 5000

proxy-refresh-interval: 30000

proxy-dial-timeout: 1000

proxy-write-timeout: 5000

proxy-read-timeout: 0

client-transport-security: 
  cert-file: {{ .ServerCertificate }}

  key-file:  {{ .ServerKey }}

  client-cert-auth: true

  trusted-ca-file: {{ .CACertificate }} 

  auto-tls: false

peer-transport-security: 
  cert-file: {{ .ServerCertificate }}

  key-file: {{ .ServerKey }}

  client-cert-auth: true

  trusted-ca-file: {{ .CACertificate }}

  auto-tls: false

cipher-suites: [{{ if .TLSCipherSuites }}{{ .TLSCipherSuites }}{{ else }}` + DefaultCipherSuites + `{{ end }}]

debug: false

force-new-cluster: false
`))

// Render returns etcd.conf.yml for bag.
func Render(bag Bag) ([]byte, error) {
	var b bytes.Buffer
	if err := etcd3Conf.Execute(&b, bag); err != nil {
		return nil, fmt.Errorf("cannot render etcd.conf.yml: %w", err)
	}
	return b.Bytes(), nil
}

// WriteConf is render_config for etcd 3: write etcd.conf.yml (root, 0444 as
// charmhelpers' render leaves it) and delete a 2.x etcd.conf, which the
// snap's wrapper refuses to start with. It reports whether the file
// changed.
func WriteConf(p Paths, bag Bag) (bool, error) {
	data, err := Render(bag)
	if err != nil {
		return false, err
	}
	if err := os.Remove(p.LegacyConfFile()); err != nil && !os.IsNotExist(err) {
		return false, fmt.Errorf("cannot remove the etcd 2 configuration: %w", err)
	}
	if old, err := os.ReadFile(p.ConfFile()); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := writeFile(p.ConfFile(), data, 0o444); err != nil {
		return false, fmt.Errorf("cannot write etcd.conf.yml: %w", err)
	}
	return true, nil
}

// writeFile replaces path atomically with data at mode, creating its
// directory.
func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
