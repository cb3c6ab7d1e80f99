package charm

import "testing"

func TestPaths(t *testing.T) {
	tests := []struct {
		root       string
		configFile string
		unroot     string
	}{
		{"", "/var/snap/etcd/common/etcd.conf.yml", "/var/snap/etcd/common/etcd.conf.yml"},
		{"/", "/var/snap/etcd/common/etcd.conf.yml", "/var/snap/etcd/common/etcd.conf.yml"},
		{"/tmp/unit-etcd-0/", "/tmp/unit-etcd-0/var/snap/etcd/common/etcd.conf.yml", "/var/snap/etcd/common/etcd.conf.yml"},
	}
	for _, tt := range tests {
		p := PathsFromEnv(func(string) string { return tt.root })
		if got := p.ConfigFile(); got != tt.configFile {
			t.Errorf("root %q: ConfigFile() = %q, want %q", tt.root, got, tt.configFile)
		}
		if got := p.Unroot(p.ConfigFile()); got != tt.unroot {
			t.Errorf("root %q: Unroot() = %q, want %q", tt.root, got, tt.unroot)
		}
	}
	p := Paths{Root: "/r/u0"}
	for in, want := range map[string]string{"/r/u0": "/", "/r/u01/x": "/r/u01/x", "/elsewhere": "/elsewhere", "/r/u0/home/ubuntu": "/home/ubuntu"} {
		if got := p.Unroot(in); got != want {
			t.Errorf("Unroot(%q) = %q, want %q", in, got, want)
		}
	}
}
