package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/charmpack"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// layerEtcdCharm returns the layer-etcd stand-in: $LAYER_ETCD_CHARM (make
// charms) or packed here. With blockAsFilesystem the copy declares its
// data storage as filesystem instead of block, for a jujusim that cannot
// attach block storage (the storage's range is 0-1 and nothing is
// attached at deploy either way).
func layerEtcdCharm(t *testing.T, blockAsFilesystem bool) string {
	t.Helper()
	if path := os.Getenv("LAYER_ETCD_CHARM"); path != "" && !blockAsFilesystem {
		return path
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dispatch")
	if err := testkit.GoBuild(bin, "./sim/charms/layeretcd/cmd", true); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(testkit.RepoRoot(), "sim/charms/layeretcd")
	if blockAsFilesystem {
		staged := filepath.Join(dir, "src")
		if err := os.MkdirAll(staged, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"metadata.yaml", "config.yaml", "manifest.yaml", "README.md"} {
			data, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			if f == "metadata.yaml" {
				data = []byte(strings.Replace(string(data), "type: block", "type: filesystem", 1))
			}
			if err := os.WriteFile(filepath.Join(staged, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		src = staged
	}
	out := filepath.Join(dir, "layer-etcd.charm")
	if err := charmpack.Pack(charmpack.Options{Src: src, Binary: bin, Out: out}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayerEtcdStandIn deploys the layer-etcd stand-in as the original is
// deployed under Charmed Kubernetes (3 units, etcd 3.4, easyrsa, a client
// on db) and checks what it leaves against layer-etcd-reference.md.
func TestLayerEtcdStandIn(t *testing.T) {
	m := newModel(t, seeds()[0])
	args := []string{"etcd", "-n", "3", "--config", "channel=3.4/stable", "--config", "bind_to_all_interfaces=false"}
	path := layerEtcdCharm(t, false)
	out, err := m.jujusim(append([]string{"deploy", path}, args...)...)
	if err != nil && strings.Contains(out, "supports only filesystem storage") {
		t.Logf("jujusim cannot deploy block storage yet (%s); deploying a copy whose data storage is filesystem", strings.TrimSpace(out))
		path = layerEtcdCharm(t, true)
		out, err = m.jujusim(append([]string{"deploy", path}, args...)...)
	}
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	m.must("deploy", m.a.easyrsa, "easyrsa")
	m.must("integrate", "etcd:certificates", "easyrsa:client")
	m.must("deploy", m.a.etcdClient, "etcd-client")
	m.must("integrate", "etcd-client:etcd", "etcd:db")
	m.waitActive(10 * time.Minute)

	st := m.status()
	for name, u := range st.Applications["etcd"].Units {
		if u.WorkloadStatus.Current != "active" || u.WorkloadStatus.Message != "Healthy with 3 known peers" {
			t.Errorf("%s: %s %q, want active \"Healthy with 3 known peers\"", name, u.WorkloadStatus.Current, u.WorkloadStatus.Message)
		}
		if !equalStrings(u.OpenPorts, []string{"2379/tcp"}) {
			t.Errorf("%s: open ports %v, want [2379/tcp]", name, u.OpenPorts)
		}
	}
	for name, u := range st.Applications["etcd-client"].Units {
		if u.WorkloadStatus.Message != "Connected to 3 etcd endpoints" {
			t.Errorf("%s: %q, want connected to 3 endpoints", name, u.WorkloadStatus.Message)
		}
	}
	units, leader := m.units("etcd")
	sort.Strings(units)

	// member list: etcd0..2, started.
	out, err = m.etcdctl(leader, "member", "list", "-w", "simple")
	if err != nil {
		t.Fatalf("member list: %v\n%s", err, out)
	}
	t.Logf("member list:\n%s", out)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, ", ")
		if len(f) < 5 || f[1] != "started" {
			t.Errorf("member %q is not started", line)
			continue
		}
		names = append(names, f[2])
	}
	sort.Strings(names)
	if !equalStrings(names, []string{"etcd0", "etcd1", "etcd2"}) {
		t.Errorf("members %v, want etcd0 etcd1 etcd2", names)
	}

	// Leader data: token (6 of [A-Z0-9]), leader_address, cluster.
	var ld map[string]string
	if err := json.Unmarshal([]byte(m.must("exec", leader, "--", "leader-get --format=json")), &ld); err != nil {
		t.Fatal(err)
	}
	t.Logf("leader data: %v", ld)
	leaderName := strings.ReplaceAll(leader, "/", "")
	leaderAddr := st.Applications["etcd"].Units[leader].PublicAddress
	if !regexp.MustCompile(`^[A-Z0-9]{6}$`).MatchString(ld["token"]) {
		t.Errorf("leader token %q", ld["token"])
	}
	if want := "https://" + leaderAddr + ":2379"; ld["leader_address"] != want {
		t.Errorf("leader_address %q, want %q", ld["leader_address"], want)
	}
	if want := leaderName + "=https://" + leaderAddr + ":2380"; ld["cluster"] != want {
		t.Errorf("leader cluster %q, want %q", ld["cluster"], want)
	}

	// etcd.conf.yml on every unit: v2 on, the snap's data dir, the
	// bootstrap state the original renders (new on the leader, existing
	// on the units it added).
	for _, u := range units {
		conf := m.must("exec", u, "--", `cat "$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common/etcd.conf.yml"`)
		root := strings.TrimSpace(m.must("exec", u, "--", "printenv SNAPPY_GLOBAL_ROOT"))
		state := "existing"
		if u == leader {
			state = "new"
		}
		for _, want := range []string{
			"name: " + strings.ReplaceAll(u, "/", ""),
			"enable-v2: true",
			"data-dir: " + filepath.Join(root, "var/snap/etcd/current") + "\n",
			"initial-cluster-state: " + state,
			"initial-cluster-token: '" + ld["token"] + "'",
			"cert-file: " + filepath.Join(root, "var/snap/etcd/common/server.crt"),
			"trusted-ca-file: " + filepath.Join(root, "var/snap/etcd/common/ca.crt"),
		} {
			if !strings.Contains(conf, want) {
				t.Errorf("%s: etcd.conf.yml lacks %q", u, want)
			}
		}
		// Like charms.reactive, the stand-in keeps its flags in the charm
		// directory; Juju's unit state stays empty.
		if got := strings.TrimSpace(m.must("exec", u, "--", "state-get --format=json")); got != "{}" && got != "null" {
			t.Errorf("%s: Juju unit state %s, want none", u, got)
		}
		flags := m.must("exec", u, "--", `cat "$JUJU_CHARM_DIR/.unit-state.json"`)
		if !strings.Contains(flags, `"reactive.states.etcd.registered":null`) {
			t.Errorf("%s: reactive state %s lacks etcd.registered", u, flags)
		}
		files := m.must("exec", u, "--", `cd "$SNAPPY_GLOBAL_ROOT/var/snap/etcd" && ls common && ls current/member`)
		for _, f := range []string{"ca.crt", "server.crt", "server.key", "client.crt", "client.key", "etcd.conf.yml", "snap", "wal"} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f) + `$`).MatchString(files) {
				t.Errorf("%s: no %s in /var/snap/etcd/{common,current/member}:\n%s", u, f, files)
			}
		}
	}

	// db relation data, as the client reads it.
	rid := strings.TrimSpace(m.must("exec", "etcd-client/0", "--", "relation-ids etcd"))
	var addrs []string
	for _, u := range st.Applications["etcd"].Units {
		addrs = append(addrs, u.PublicAddress)
	}
	sort.Strings(addrs)
	var conn []string
	for _, a := range addrs {
		conn = append(conn, "https://"+a+":2379")
	}
	for _, u := range units {
		var bag map[string]string
		if err := json.Unmarshal([]byte(m.must("exec", "etcd-client/0", "--", fmt.Sprintf("relation-get --format=json -r %s - %s", rid, u))), &bag); err != nil {
			t.Fatal(err)
		}
		if bag["connection_string"] != strings.Join(conn, ",") {
			t.Errorf("%s: connection_string %q, want %q", u, bag["connection_string"], strings.Join(conn, ","))
		}
		if !strings.HasPrefix(bag["version"], "3.4.") {
			t.Errorf("%s: version %q", u, bag["version"])
		}
		for _, k := range []string{"client_cert", "client_key", "client_ca"} {
			if !strings.Contains(bag[k], "-----BEGIN") {
				t.Errorf("%s: %s is not PEM: %.40q", u, k, bag[k])
			}
		}
	}

	// The client connects and writes (v3), and the v2 store takes a write
	// on 3.4, as layer-etcd's own integration test does.
	m.putViaClient("/stand-in/v3", "ok")
	if got := m.getViaClient("/stand-in/v3"); got != "ok" {
		t.Errorf("v3 get through the client = %q", got)
	}
	v2 := `c="$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common"; ep=$(sed -n 's/^advertise-client-urls: //p' "$c/etcd.conf.yml"); ` +
		`ETCDCTL_API=2 etcd.etcdctl --endpoints "$ep" --ca-file "$c/ca.crt" --cert-file "$c/client.crt" --key-file "$c/client.key" `
	if out, err := m.jujusim("exec", units[0], "--", v2+"set /stand-in/v2 written-by-v2"); err != nil {
		t.Fatalf("v2 set: %v\n%s", err, out)
	}
	if out, err := m.jujusim("exec", units[2], "--", v2+"get /stand-in/v2"); err != nil || strings.TrimSpace(out) != "written-by-v2" {
		t.Errorf("v2 get = %q, %v", out, err)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
