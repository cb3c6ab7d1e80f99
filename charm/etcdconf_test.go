package charm

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestBuildEtcdConfigGolden(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		start   Start
		storage string
		release string // the etcd release it is for
	}{
		{"defaults-new", func(*Config) {}, Start{"etcd0=https://10.0.1.10:2380,etcd1=https://10.0.1.11:2380", "new", "ABC123"}, "", "3.6"},
		// layer-etcd's template renders enable-v2: true right after the
		// name (layer-etcd-reference.md §5); 3.4 and 3.5 have the store.
		{"defaults-new-3.4", func(*Config) {}, Start{"etcd0=https://10.0.1.10:2380,etcd1=https://10.0.1.11:2380", "new", "ABC123"}, "", "3.4"},
		{"tuned-existing", func(c *Config) {
			c.Port, c.ManagementPort = 12379, 12380
			c.BindToAllInterfaces, c.BindWithInsecureHTTP = false, true
			c.SnapshotCount, c.HeartbeatInterval, c.ElectionTimeout = "5000", 200, 2000
			c.TLSCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
			c.QuotaBackendBytes = 8 << 30
			c.AutoCompactionMode, c.AutoCompactionRetention = "revision", "1000"
		}, Start{"etcd0=https://10.0.1.10:12380,etcd2=https://10.0.1.12:12380", "existing", "ABC123"}, "/srv/etcd", "3.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig(t)
			tt.change(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			m := Member{Name: "etcd0", ClusterAddress: "10.0.1.10", DBAddress: "10.0.0.10", DBBind: "10.0.0.10", ClusterBind: "10.0.1.10"}
			ec, err := BuildEtcdConfig(cfg, Paths{Root: "/"}, m, tt.start, tt.storage)
			if err != nil {
				t.Fatal(err)
			}
			ec.EnableV2 = ServesV2(tt.release)
			got := ec.Render()
			golden := filepath.Join("testdata", tt.name+".conf.yml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestServesV2(t *testing.T) {
	for release, want := range map[string]bool{
		"3.4": true, "3.4.23": true, "3.5": true, "3.5.17": true,
		"3.6": false, "3.6.16": false, "4.0": false, "": false, "edge": false,
	} {
		if got := ServesV2(release); got != want {
			t.Errorf("ServesV2(%q) = %v, want %v", release, got, want)
		}
	}
}

func TestHashChangesWithContent(t *testing.T) {
	a1, a2 := Hash([]byte("a")), Hash([]byte("a"))
	if a1 == Hash([]byte("b")) || a1 != a2 || len(Hash(nil)) != 16 {
		t.Error("Hash is not a stable content hash")
	}
}

// etcd.conf.yml reads back into the struct that rendered it.
func TestParseEtcdConfigReadsRenderBack(t *testing.T) {
	cfg := defaultConfig(t)
	cfg.BindWithInsecureHTTP = true
	m := Member{Name: "etcd0", ClusterAddress: "10.0.1.10", DBAddress: "10.0.0.10"}
	ec, err := BuildEtcdConfig(cfg, Paths{Root: "/"}, m, Start{"etcd0=https://10.0.1.10:2380", "new", "ABC123"}, "")
	if err != nil {
		t.Fatal(err)
	}
	ec.EnableV2 = true
	got, err := ParseEtcdConfig(ec.Render())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ec) {
		t.Errorf("parsed\n%+v\nwant\n%+v", got, ec)
	}
	if got.ClientURL() != "https://10.0.0.10:2379" || got.PeerURL() != "https://10.0.1.10:2380" {
		t.Errorf("ClientURL %q, PeerURL %q", got.ClientURL(), got.PeerURL())
	}
	if _, err := ParseEtcdConfig([]byte("name: [")); err == nil {
		t.Error("parsed a broken file")
	}
}
