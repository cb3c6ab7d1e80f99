package charm

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// TestReferenceFacts deploys three units on the fake model and checks
// each fact ../shared/reference/layer-etcd-reference.md gives about what
// layer-etcd leaves behind against what the stand-in produced.
func TestReferenceFacts(t *testing.T) {
	m := newModel(t, 3, nil)
	m.units[0].tools.AddRelation("db:5", "kubernetes-control-plane").Units["kubernetes-control-plane/0"] = map[string]string{}
	m.units[1].tools.AddRelation("proxy:6", "flannel").Units["flannel/0"] = map[string]string{}
	m.settle()

	leader := m.unit("etcd/0")
	follower := m.unit("etcd/1")
	root := func(u *sunit) string { return u.charm.Paths.Root }
	confOf := func(u *sunit) map[string]any { return readConf(t, u.charm.Paths) }
	lc, fc := confOf(leader), confOf(follower)

	ciphers := []any{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"}
	security := func(u *sunit) map[string]any {
		common := filepath.Join(root(u), "var/snap/etcd/common")
		return map[string]any{"cert-file": common + "/server.crt", "key-file": common + "/server.key",
			"client-cert-auth": true, "trusted-ca-file": common + "/ca.crt", "auto-tls": false}
	}
	facts := []struct {
		fact string // as the reference states it
		got  any
		want any
	}{
		// §5 rendered config, every key of templates/etcd3.conf.
		{"name: {unit_name}, etcd/0 → etcd0", lc["name"], "etcd0"},
		{"name of etcd/1", fc["name"], "etcd1"},
		{"enable-v2: true", lc["enable-v2"], true},
		{"data-dir: /var/snap/etcd/current", lc["data-dir"], filepath.Join(root(leader), "var/snap/etcd/current")},
		{"snapshot-count: auto → 100000 for channel auto", lc["snapshot-count"], 100000},
		{"heartbeat-interval 100", lc["heartbeat-interval"], 100},
		{"election-timeout 1000", lc["election-timeout"], 1000},
		{"quota-backend-bytes: 0", lc["quota-backend-bytes"], 0},
		{"listen-peer-urls https://0.0.0.0:2380 (bind_to_all_interfaces)", lc["listen-peer-urls"], "https://0.0.0.0:2380"},
		{"listen-client-urls https://0.0.0.0:2379", lc["listen-client-urls"], "https://0.0.0.0:2379"},
		{"max-snapshots: 5", lc["max-snapshots"], 5},
		{"max-wals: 5", lc["max-wals"], 5},
		{"cors: (empty)", hasNil(lc, "cors"), true},
		{"initial-advertise-peer-urls https://<cluster addr>:2380", fc["initial-advertise-peer-urls"], "https://10.0.0.2:2380"},
		{"advertise-client-urls https://<db addr>:2379", fc["advertise-client-urls"], "https://10.0.0.2:2379"},
		{"discovery: (empty)", hasNil(lc, "discovery"), true},
		{"discovery-fallback: 'proxy'", lc["discovery-fallback"], "proxy"},
		{"discovery-proxy: (empty)", hasNil(lc, "discovery-proxy"), true},
		{"discovery-srv: (empty)", hasNil(lc, "discovery-srv"), true},
		{"leader initial-cluster: <name>=https://<addr>:<management_port>", lc["initial-cluster"], "etcd0=https://10.0.0.1:2380"},
		{"follower initial-cluster: member add's ETCD_INITIAL_CLUSTER", fc["initial-cluster"], "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380"},
		{"initial-cluster-token: '{token}'", lc["initial-cluster-token"], leader.tools.LeaderData["token"]},
		{"leader initial-cluster-state: new", lc["initial-cluster-state"], "new"},
		{"follower initial-cluster-state: existing", fc["initial-cluster-state"], "existing"},
		{"strict-reconfig-check: true", lc["strict-reconfig-check"], true},
		{"proxy: 'off'", lc["proxy"], "off"},
		{"proxy-failure-wait: 5000", lc["proxy-failure-wait"], 5000},
		{"proxy-refresh-interval: 30000", lc["proxy-refresh-interval"], 30000},
		{"proxy-dial-timeout: 1000", lc["proxy-dial-timeout"], 1000},
		{"proxy-write-timeout: 5000", lc["proxy-write-timeout"], 5000},
		{"proxy-read-timeout: 0", lc["proxy-read-timeout"], 0},
		{"client-transport-security: server cert/key, client-cert-auth, ca, no auto-tls", lc["client-transport-security"], security(leader)},
		{"peer-transport-security: the same four + auto-tls false", lc["peer-transport-security"], security(leader)},
		{"cipher-suites: Mozilla intermediate when tls_cipher_suites is empty", lc["cipher-suites"], ciphers},
		{"debug: false", lc["debug"], false},
		{"force-new-cluster: false", lc["force-new-cluster"], false},
		{"wal-dir and log-package-levels never rendered", hasKey(lc, "wal-dir") || hasKey(lc, "log-package-levels"), false},
		{"exactly the template's keys", sortedKeys(lc), templateKeys},

		// §4 leader settings.
		{"leader token: 6 chars [A-Z0-9]", regexp.MustCompile(`^[A-Z0-9]{6}$`).MatchString(leader.tools.LeaderData["token"]), true},
		{"leader_address: https://<leader cluster addr>:<port>", leader.tools.LeaderData["leader_address"], "https://10.0.0.1:2379"},
		{"leader cluster: the leader's initial-cluster", leader.tools.LeaderData["cluster"], "etcd0=https://10.0.0.1:2380"},
		{"snapd_refresh: max → <dow><n> of yesterday (2026-12-03, a Thursday)", leader.tools.LeaderData["snapd_refresh"], "thu1"},
		{"followers see the leader's data", follower.tools.LeaderData["token"], leader.tools.LeaderData["token"]},

		// §4 unit kv, in the charm directory as reactive keeps it; Juju's
		// unit state stays empty.
		{"unit kv etcd.cluster-state new on the leader", unitState(t, leader)["etcd.cluster-state"], "new"},
		{"unit kv etcd.cluster on a follower", unitState(t, follower)["etcd.cluster"], "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380"},
		{"flag etcd.registered set on every unit", hasNil(unitState(t, leader), "reactive.states.etcd.registered") && hasNil(unitState(t, follower), "reactive.states.etcd.registered"), true},
		{"flag etcd.leader.configured on the leader only", hasNil(unitState(t, leader), "reactive.states.etcd.leader.configured") && !hasNil(unitState(t, follower), "reactive.states.etcd.leader.configured"), true},
		{"no Juju unit state", len(leader.tools.State) + len(follower.tools.State), 0},

		// §4 membership: names etcd0.., every member started.
		{"members etcd0 etcd1 etcd2, all started", memberNames(m.cluster.members), []string{"etcd0", "etcd1", "etcd2"}},
		{"followers registered through leader_address with v2 member add", slices.Contains(m.cluster.calls, "member add https://10.0.0.1:2379 etcd2 https://10.0.0.3:2380"), true},

		// §6 relation data.
		{"cluster peer data: only db-ingress-address", follower.tools.Relations["cluster:0"].LocalUnitData, map[string]string{"db-ingress-address": "10.0.0.2"}},
		{"db connection_string: every unit's db address, sorted", leader.tools.Relations["db:5"].LocalUnitData["connection_string"],
			"https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379"},
		{"db version: etcdctl's", leader.tools.Relations["db:5"].LocalUnitData["version"], "3.4.23"},
		{"db client_cert/client_key/client_ca: the global client pair and CA", pick(leader.tools.Relations["db:5"].LocalUnitData, "client_cert", "client_key", "client_ca"),
			map[string]string{"client_cert": "CLIENT CERT PEM", "client_key": "CLIENT KEY PEM", "client_ca": "CA PEM"}},
		{"db keys: exactly those five", sortedKeys(leader.tools.Relations["db:5"].LocalUnitData), []string{"client_ca", "client_cert", "client_key", "connection_string", "version"}},
		{"proxy cluster: name=peerURL of every member", follower.tools.Relations["proxy:6"].LocalUnitData["cluster"],
			"etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380,etcd2=https://10.0.0.3:2380"},
		{"proxy keys: credentials and cluster", sortedKeys(follower.tools.Relations["proxy:6"].LocalUnitData), []string{"client_ca", "client_cert", "client_key", "cluster"}},

		// §5 TLS request and files.
		{"certificates request: unit_name, common_name, certificate_name, sans", follower.tools.Relations["certificates:1"].LocalUnitData, map[string]string{
			"unit_name": "etcd_1", "common_name": "10.0.0.2", "certificate_name": "etcd_1",
			"sans": `["10.0.0.1","10.0.0.2","10.0.0.3","127.0.0.1","machine-1"]`}},
		{"TLS files in /var/snap/etcd/common with the original's names, 0440", tlsFiles(t, follower), map[string]string{
			"ca.crt": "CA PEM", "server.crt": "SERVER CERT PEM etcd_1", "server.key": "SERVER KEY PEM etcd_1",
			"client.crt": "CLIENT CERT PEM", "client.key": "CLIENT KEY PEM"}},
		{"CA in /usr/local/share/ca-certificates/<application>.crt", readFile(t, filepath.Join(root(leader), "usr/local/share/ca-certificates/etcd.crt")), "CA PEM"},

		// §4, §7 machine state.
		{"snap etcd from 3.4/stable (channel auto)", leader.snap.Installed("etcd").Channel, "3.4/stable"},
		{"snap core installed", leader.snap.Installed("core") != nil, true},
		{"etcd.etcd service running", serviceActive(follower), true},
		{"core refresh.timer from snapd_refresh max", refreshTimer(follower), "thu1"},
		{"/root/.bash_aliases: ETCDCTL_KEY/CERT/CACERT (etcd ≥ 3.3)", readFile(t, filepath.Join(root(leader), "root/.bash_aliases")),
			"export ETCDCTL_KEY=" + root(leader) + "/var/snap/etcd/common/client.key\nexport ETCDCTL_CERT=" + root(leader) +
				"/var/snap/etcd/common/client.crt\nexport ETCDCTL_CACERT=" + root(leader) + "/var/snap/etcd/common/ca.crt\n"},
		{"systemd drop-in always-restart.conf", readFile(t, filepath.Join(root(leader), "etc/systemd/system/snap.etcd.etcd.service.d/always-restart.conf")),
			"[Unit]\nStartLimitIntervalSec=0\n\n[Service]\nRestartSec=10\n"},
		{"open ports: only port/tcp", follower.tools.Ports, []string{"2379/tcp"}},
		{"workload version: etcdctl's", follower.tools.Version, "3.4.23"},

		// §4 status.
		{"status: Healthy with 3 known peers", follower.tools.Status, juju.Status{Name: juju.StatusActive, Message: "Healthy with 3 known peers"}},
	}
	for _, f := range facts {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", f.fact, f.got, f.want)
		}
	}
}

// templateKeys are the top-level keys of layer-etcd's templates/etcd3.conf
// with wal_path and loglevel unset.
var templateKeys = []string{
	"advertise-client-urls", "cipher-suites", "client-transport-security", "cors", "data-dir", "debug",
	"discovery", "discovery-fallback", "discovery-proxy", "discovery-srv", "election-timeout", "enable-v2",
	"force-new-cluster", "heartbeat-interval", "initial-advertise-peer-urls", "initial-cluster",
	"initial-cluster-state", "initial-cluster-token", "listen-client-urls", "listen-peer-urls", "max-snapshots",
	"max-wals", "name", "peer-transport-security", "proxy", "proxy-dial-timeout", "proxy-failure-wait",
	"proxy-read-timeout", "proxy-refresh-interval", "proxy-write-timeout", "quota-backend-bytes",
	"snapshot-count", "strict-reconfig-check",
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func hasNil(m map[string]any, k string) bool { v, ok := m[k]; return ok && v == nil }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func pick(m map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func memberNames(ms []Member) []string {
	var out []string
	for _, m := range ms {
		if m.Unstarted {
			out = append(out, "(unstarted)")
			continue
		}
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

func tlsFiles(t *testing.T, u *sunit) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"ca.crt", "server.crt", "server.key", "client.crt", "client.key"} {
		path := filepath.Join(u.charm.Paths.ConfDir(), name)
		st, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if st.Mode().Perm() != 0o440 {
			t.Errorf("%s: mode %v, want 0440", name, st.Mode().Perm())
		}
		out[name] = readFile(t, path)
	}
	return out
}

func serviceActive(u *sunit) bool {
	ok, _ := u.snap.Active(t0(), Service)
	return ok
}

func refreshTimer(u *sunit) string {
	v, _ := u.snap.Conf(t0(), "core", "refresh.timer")
	return v
}

func t0() context.Context { return context.Background() }
