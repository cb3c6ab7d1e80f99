package charm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/relations"
)

// EtcdConfig is etcd.conf.yml as the snap's wrapper passes it to
// `etcd --config-file`. The keys are layer-etcd's template's minus the
// proxy and discovery keys etcd 3.6 rejects, plus quota and
// auto-compaction; every key is understood by etcd 3.4-3.6. enable-v2
// is rendered as layer-etcd renders it (`enable-v2: true`, right after
// the name) where etcd has a v2 store, 3.4 and 3.5 (ServesV2), and left
// out on 3.6, which has none.
type EtcdConfig struct {
	Name                     string   `yaml:"name"`
	EnableV2                 bool     `yaml:"enable-v2,omitempty"`
	DataDir                  string   `yaml:"data-dir"`
	SnapshotCount            uint64   `yaml:"snapshot-count"`
	HeartbeatInterval        int      `yaml:"heartbeat-interval"`
	ElectionTimeout          int      `yaml:"election-timeout"`
	QuotaBackendBytes        int64    `yaml:"quota-backend-bytes"`
	ListenPeerURLs           string   `yaml:"listen-peer-urls"`
	ListenClientURLs         string   `yaml:"listen-client-urls"`
	ListenMetricsURLs        string   `yaml:"listen-metrics-urls,omitempty"`
	MaxSnapshots             int      `yaml:"max-snapshots"`
	MaxWALs                  int      `yaml:"max-wals"`
	InitialAdvertisePeerURLs string   `yaml:"initial-advertise-peer-urls"`
	AdvertiseClientURLs      string   `yaml:"advertise-client-urls"`
	InitialCluster           string   `yaml:"initial-cluster"`
	InitialClusterToken      string   `yaml:"initial-cluster-token"`
	InitialClusterState      string   `yaml:"initial-cluster-state"`
	StrictReconfigCheck      bool     `yaml:"strict-reconfig-check"`
	AutoCompactionMode       string   `yaml:"auto-compaction-mode"`
	AutoCompactionRetention  string   `yaml:"auto-compaction-retention"`
	ClientTransportSecurity  TLSBlock `yaml:"client-transport-security"`
	PeerTransportSecurity    TLSBlock `yaml:"peer-transport-security"`
	CipherSuites             []string `yaml:"cipher-suites,flow"`
	LogLevel                 string   `yaml:"log-level"`
	ForceNewCluster          bool     `yaml:"force-new-cluster"`
	// PeerTLSInfo carries the peer boundary for etcd 3.4, whose file has
	// no key for it (see peername.go); absent otherwise.
	PeerTLSInfo *LegacyPeerTLS `yaml:"PeerTLSInfo,omitempty"`
}

// LegacyPeerTLS is the part of etcd 3.4's transport.TLSInfo the file sets
// through embed.Config's PeerTLSInfo field (Go field names, as the JSON
// decoder matches them).
type LegacyPeerTLS struct {
	AllowedHostname string `yaml:"AllowedHostname"`
}

// TLSBlock is a *-transport-security section.
type TLSBlock struct {
	CertFile       string `yaml:"cert-file"`
	KeyFile        string `yaml:"key-file"`
	ClientCertAuth bool   `yaml:"client-cert-auth"`
	TrustedCAFile  string `yaml:"trusted-ca-file"`
	AutoTLS        bool   `yaml:"auto-tls"`
	// AllowedHostname (etcd 3.5+, peer block only): the SAN names a
	// peer's certificate must carry one of (see peername.go).
	AllowedHostname []string `yaml:"allowed-hostname,omitempty,flow"`
}

// Member is this unit's identity and addresses.
type Member struct {
	Name string
	// ClusterAddress is the first ingress address of the cluster endpoint
	// (peer traffic); DBAddress of the db endpoint (clients).
	ClusterAddress, DBAddress string
	// ClusterBind and DBBind are where etcd listens when
	// bind_to_all_interfaces is false.
	ClusterBind, DBBind string
}

// PeerURL and ClientURL are what the member advertises.
func (m Member) PeerURL(cfg Config) string {
	return relations.URL(m.ClusterAddress, cfg.ManagementPort)
}
func (m Member) ClientURL(cfg Config) string { return relations.URL(m.DBAddress, cfg.Port) }

// Start says how the member joins: "new" with the bootstrap cluster, or
// "existing" with the membership it was admitted into.
type Start struct {
	InitialCluster string
	State          string // "new" or "existing"
	Token          string
}

// DataDir is the member's data directory: <SNAP_DATA>/<name>.etcd as
// layer-etcd lays it out, or <storage>/data when the data storage is
// attached.
func (p Paths) DataDir(name, storage string) string {
	if storage != "" {
		return filepath.Join(storage, "data")
	}
	return filepath.Join(p.SnapData(), name+".etcd")
}

// BuildEtcdConfig assembles etcd.conf.yml for member m.
func BuildEtcdConfig(cfg Config, p Paths, m Member, start Start, storage string) (EtcdConfig, error) {
	snapshots, err := cfg.SnapshotCountValue()
	if err != nil {
		return EtcdConfig{}, err
	}
	suites, err := cfg.CipherSuites()
	if err != nil {
		return EtcdConfig{}, err
	}
	clientBind, peerBind := "0.0.0.0", "0.0.0.0"
	if !cfg.BindToAllInterfaces {
		clientBind, peerBind = orDefault(m.DBBind, m.DBAddress), orDefault(m.ClusterBind, m.ClusterAddress)
	}
	listenClient := relations.URL(clientBind, cfg.Port)
	if cfg.BindWithInsecureHTTP {
		listenClient = "http://127.0.0.1:4001," + listenClient
	}
	var listenMetrics string
	if cfg.MetricsPort != 0 {
		listenMetrics = "http://" + net.JoinHostPort(clientBind, strconv.Itoa(cfg.MetricsPort))
	}
	tlsBlock := TLSBlock{
		CertFile:       p.ServerCert(),
		KeyFile:        p.ServerKey(),
		ClientCertAuth: true,
		TrustedCAFile:  p.CACert(),
	}
	return EtcdConfig{
		Name:                     m.Name,
		DataDir:                  p.DataDir(m.Name, storage),
		SnapshotCount:            snapshots,
		HeartbeatInterval:        cfg.HeartbeatInterval,
		ElectionTimeout:          cfg.ElectionTimeout,
		QuotaBackendBytes:        cfg.QuotaBackendBytes,
		ListenPeerURLs:           relations.URL(peerBind, cfg.ManagementPort),
		ListenClientURLs:         listenClient,
		ListenMetricsURLs:        listenMetrics,
		MaxSnapshots:             5,
		MaxWALs:                  5,
		InitialAdvertisePeerURLs: m.PeerURL(cfg),
		AdvertiseClientURLs:      m.ClientURL(cfg),
		InitialCluster:           start.InitialCluster,
		InitialClusterToken:      start.Token,
		InitialClusterState:      start.State,
		StrictReconfigCheck:      true,
		AutoCompactionMode:       cfg.AutoCompactionMode,
		AutoCompactionRetention:  cfg.AutoCompactionRetention,
		ClientTransportSecurity:  tlsBlock,
		PeerTransportSecurity:    tlsBlock,
		CipherSuites:             suites,
		LogLevel:                 "info",
	}, nil
}

func orDefault(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Render writes the YAML etcd reads.
func (c EtcdConfig) Render() []byte {
	var buf bytes.Buffer
	buf.WriteString("# Written by the etcd charm; changes are overwritten.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		// Every field is a plain scalar, list or struct of them.
		panic(fmt.Sprintf("cannot render etcd.conf.yml: %v", err))
	}
	return buf.Bytes()
}

// ParseEtcdConfig reads etcd.conf.yml back into the struct that renders
// it, as the hooks and actions read the file etcd runs with.
func ParseEtcdConfig(raw []byte) (EtcdConfig, error) {
	var c EtcdConfig
	if err := yaml.Unmarshal(raw, &c); err != nil {
		return EtcdConfig{}, fmt.Errorf("cannot parse etcd.conf.yml: %w", err)
	}
	return c, nil
}

// ClientURL is the first URL the member advertises to clients.
func (c EtcdConfig) ClientURL() string { return firstURL(c.AdvertiseClientURLs) }

// PeerURL is the first URL the member advertises to its peers.
func (c EtcdConfig) PeerURL() string { return firstURL(c.InitialAdvertisePeerURLs) }

func firstURL(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(first)
}

// AllowPeers makes etcd release ("3.4", "3.6.16") accept on its peer port
// only certificates naming name (charm.PeerName), in the form that
// release's config file reads (see peername.go); "" allows every
// certificate of the CA, as layer-etcd does.
func (c *EtcdConfig) AllowPeers(release, name string) {
	c.PeerTLSInfo, c.PeerTransportSecurity.AllowedHostname = nil, nil
	if name == "" {
		return
	}
	if major, minor, ok := parseTrack(majorMinor(release)); ok && major == 3 && minor <= 4 {
		c.PeerTLSInfo = &LegacyPeerTLS{AllowedHostname: name}
		return
	}
	c.PeerTransportSecurity.AllowedHostname = []string{name}
}

// AllowedPeer is the peer name the config restricts the peer port to, in
// either form ("" for none).
func (c EtcdConfig) AllowedPeer() string {
	if c.PeerTLSInfo != nil {
		return c.PeerTLSInfo.AllowedHostname
	}
	if len(c.PeerTransportSecurity.AllowedHostname) > 0 {
		return c.PeerTransportSecurity.AllowedHostname[0]
	}
	return ""
}

// ServesV2 reports whether etcd release ("3.4", "3.5.17") has the v2
// store: 3.4 and 3.5 do, off unless enable-v2 is set (layer-etcd sets it:
// its membership and its users' v2 clients need it); 3.6 removed it
// (layer-etcd-reference.md §5, etcd's CHANGELOG-3.6).
func ServesV2(release string) bool {
	major, minor, ok := parseTrack(majorMinor(release))
	return ok && major == 3 && minor <= 5
}

// majorMinor cuts a version ("3.5.17") to its release ("3.5").
func majorMinor(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

// Hash identifies a rendered config, for the rolling-restart protocol.
func Hash(rendered []byte) string {
	sum := sha256.Sum256(rendered)
	return hex.EncodeToString(sum[:8])
}
