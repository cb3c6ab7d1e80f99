package charm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/relations"
)

// Adoption: `juju refresh` from layer-etcd (or any first hook on a machine
// where an etcd this charm did not start runs) finds a member that must
// go on as it is. Its etcd.conf.yml names its data directory (layer-etcd's
// /var/snap/etcd/current, or /media/etcd/data on attached storage, not
// this charm's <SNAP_DATA>/<name>.etcd) and the initial cluster it first
// started with. Moving the data or starting afresh would make a new,
// empty cluster; so the member is adopted where it is: unit state records
// its data directory and a start record (state "existing", the cluster
// and token it started with, which etcd ignores from now on as its data
// directory holds a member), and every later render keeps them. Member
// and cluster IDs live in the data directory and so stay.

// AdoptView is what the unit found before its first start record.
type AdoptView struct {
	Name string // this unit's member name, "etcd0"
	// Stored is unit state as the hook read it.
	Stored UnitState
	// Running is the etcd.conf.yml on disk, nil when there is none.
	Running []byte
	// HasMember reports whether a data directory holds a member (a
	// "member" directory: etcd has run there).
	HasMember func(dataDir string) bool
}

// Adoption is what the unit takes over ("" DataDir: nothing to adopt).
type Adoption struct {
	DataDir string
	Start   Start
}

// PlanAdoption decides whether the etcd on disk is adopted. It is, when
// this charm has no start record yet (nothing of ours ever started
// etcd here) and the config on disk names this member and a data
// directory that holds one. Anything else is left to the ordinary start:
// a config for another name is not this unit's member.
func PlanAdoption(v AdoptView) (Adoption, error) {
	if v.Stored.Start.State != "" || v.Stored.DataDir != "" || len(v.Running) == 0 {
		return Adoption{}, nil
	}
	conf, err := ParseEtcdConfig(v.Running)
	if err != nil {
		return Adoption{}, err
	}
	if conf.Name != v.Name || conf.DataDir == "" || !v.HasMember(conf.DataDir) {
		return Adoption{}, nil
	}
	return Adoption{
		DataDir: conf.DataDir,
		Start:   Start{InitialCluster: conf.InitialCluster, State: "existing", Token: conf.InitialClusterToken},
	}, nil
}

// LegacyPeer reads the peer data of a unit that still runs layer-etcd in
// this charm's form. layer-etcd publishes only db-ingress-address on
// `cluster`, and only once its member is registered (it runs etcd in the
// cluster), so such a peer is a started member named after its unit,
// serving clients at that address on the client port. ok is false for a
// peer that speaks this charm's protocol (or has published nothing).
func LegacyPeer(p relations.Peer, cfg Config) (relations.Peer, bool) {
	if p.Name != "" || p.State != "" || p.DBAddress == "" {
		return p, false
	}
	p.Name = relations.MemberName(p.Unit)
	p.ClientURL = relations.URL(p.DBAddress, cfg.Port)
	p.State = relations.PeerStarted
	return p, true
}

// etcdDefaults are the values etcd (3.4-3.6, embed.NewConfig and the
// config-file parser) uses for keys a config file leaves out, as the
// comparable strings configValues makes of them.
var etcdDefaults = map[string]string{
	"enable-v2":                 "false",
	"wal-dir":                   "",
	"snapshot-count":            "100000",
	"heartbeat-interval":        "100",
	"election-timeout":          "1000",
	"quota-backend-bytes":       "0",
	"max-snapshots":             "5",
	"max-wals":                  "5",
	"cors":                      "",
	"discovery":                 "",
	"discovery-fallback":        "proxy",
	"discovery-proxy":           "",
	"discovery-srv":             "",
	"strict-reconfig-check":     "true",
	"proxy":                     "off",
	"proxy-failure-wait":        "5000",
	"proxy-refresh-interval":    "30000",
	"proxy-dial-timeout":        "1000",
	"proxy-write-timeout":       "5000",
	"proxy-read-timeout":        "0",
	"auto-compaction-mode":      "periodic",
	"auto-compaction-retention": "0",
	"log-level":                 "info",
	"debug":                     "false",
	"force-new-cluster":         "false",
	"cipher-suites":             "",
	// Inside the *-transport-security sections.
	"cert-file":        "",
	"key-file":         "",
	"client-cert-auth": "false",
	"trusted-ca-file":  "",
	"auto-tls":         "false",
}

// initialOnly are the keys etcd reads only to create a member: once its
// data directory holds one, they change nothing (etcd's
// ServerConfig.NewCluster is false for a restart on existing data).
var initialOnly = map[string]bool{
	"initial-cluster":       true,
	"initial-cluster-token": true,
	"initial-cluster-state": true,
}

// urlLists are comma-separated URL lists, whose order etcd does not keep.
var urlLists = map[string]bool{
	"listen-peer-urls":            true,
	"listen-client-urls":          true,
	"initial-advertise-peer-urls": true,
	"advertise-client-urls":       true,
}

// EffectDiff names the settings in which two etcd.conf.yml files make a
// running etcd behave differently: keys whose values differ once etcd's
// defaults fill in the keys a file leaves out, ignoring comments, layout
// and key order, and (hasData: the member exists already) the keys etcd
// reads only to create a member. No difference means a running etcd
// needs no restart to run as rendered would make it: the file can simply
// be rewritten.
func EffectDiff(running, rendered []byte, hasData bool) ([]string, error) {
	a, err := configValues(running)
	if err != nil {
		return nil, err
	}
	b, err := configValues(rendered)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if hasData && initialOnly[leaf] {
			continue
		}
		av, aok := a[k]
		bv, bok := b[k]
		def, known := etcdDefaults[leaf]
		if !aok {
			if !known {
				diff = append(diff, k)
				continue
			}
			av = def
		}
		if !bok {
			if !known {
				diff = append(diff, k)
				continue
			}
			bv = def
		}
		if av != bv {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	return diff, nil
}

// configValues flattens an etcd.conf.yml into comparable strings, nested
// keys as "section.key".
func configValues(raw []byte) (map[string]string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("cannot parse etcd.conf.yml: %w", err)
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			s := scalar(v)
			if urlLists[k] {
				s = sortedList(s)
			}
			out[prefix+k] = s
		}
	}
	walk("", doc)
	return out, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalar(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func sortedList(s string) string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
