package charm

import "testing"

func TestJoinChannel(t *testing.T) {
	cases := []struct {
		name       string
		configured string
		leader     string
		peers      []string
		want       string
	}{
		{"auto beside a 3.4 cluster installs 3.4", "auto", "3.5/stable", []string{"3.4.23", "3.4.23"}, "3.4/stable"},
		{"auto mid-way through 3.4 to 3.5 installs the cluster's 3.4", "auto", "", []string{"3.5.17", "3.4.23"}, "3.4/stable"},
		{"auto in install, before peer data: the leader's channel", "auto", "3.4/stable", nil, "3.4/stable"},
		{"auto with nothing known resolves against the store", "auto", "", nil, "auto"},
		{"auto ignores versions it cannot read", "auto", "", []string{"", "devel"}, "auto"},
		{"an explicit channel is the operator's", "3.6/stable", "3.4/stable", []string{"3.4.23"}, "3.6/stable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := JoinChannel(c.configured, c.leader, c.peers); got != c.want {
				t.Errorf("JoinChannel(%q, %q, %v) = %q, want %q", c.configured, c.leader, c.peers, got, c.want)
			}
		})
	}
}

func TestDecideInstall(t *testing.T) {
	store := map[string]string{"3.4/stable": "3.4.23", "3.5/stable": "3.5.17", "3.6/stable": "3.6.16", "latest/edge": "3.7.0-alpha.0"}
	cases := []struct {
		name string
		f    InstallFacts
		want InstallDecision
	}{
		{"first unit, auto: the store's newest stable",
			InstallFacts{Configured: "auto", Offered: store}, InstallDecision{Channel: "3.6/stable"}},
		{"first unit, auto, store down: layer-etcd's 3.4",
			InstallFacts{Configured: "auto", StoreError: "no route"}, InstallDecision{Channel: "3.4/stable"}},
		{"first unit, explicit: as configured",
			InstallFacts{Configured: "3.5/stable", Offered: store}, InstallDecision{Channel: "3.5/stable"}},
		{"first unit, explicit, store down: as configured (the install says why it fails)",
			InstallFacts{Configured: "3.5/stable", StoreError: "no route"}, InstallDecision{Channel: "3.5/stable"}},
		{"auto beside a 3.4 cluster: 3.4",
			InstallFacts{Configured: "auto", LeaderChannel: "3.4/stable", PeerVersions: []string{"3.4.23", "3.4.23"}, Offered: store}, InstallDecision{Channel: "3.4/stable"}},
		{"auto in install, before peer data: the leader's channel",
			InstallFacts{Configured: "auto", LeaderChannel: "3.4/stable", Offered: store}, InstallDecision{Channel: "3.4/stable"}},
		{"auto in install, store down: the leader's channel",
			InstallFacts{Configured: "auto", LeaderChannel: "3.4/stable", StoreError: "no route"}, InstallDecision{Channel: "3.4/stable"}},
		{"explicit 3.6 beside 3.4 peers: refused, naming the path",
			InstallFacts{Configured: "3.6/stable", LeaderChannel: "3.4/stable", PeerVersions: []string{"3.4.23"}, Offered: store},
			InstallDecision{Refusal: "Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."}},
		{"explicit 3.6 in install beside a 3.4 leader (no peer data yet): refused before anything joins",
			InstallFacts{Configured: "3.6/stable", LeaderChannel: "3.4/stable", Offered: store},
			InstallDecision{Refusal: "Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."}},
		{"explicit downgrade beside 3.6 peers: refused",
			InstallFacts{Configured: "3.4/stable", PeerVersions: []string{"3.6.16"}, Offered: store},
			InstallDecision{Refusal: "Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable."}},
		{"explicit one minor up beside 3.4 peers (a rolling upgrade's mix): allowed",
			InstallFacts{Configured: "3.5/stable", PeerVersions: []string{"3.4.23"}, Offered: store}, InstallDecision{Channel: "3.5/stable"}},
		{"explicit beside peers, store down: cannot judge, refused",
			InstallFacts{Configured: "3.5/stable", LeaderChannel: "3.4/stable", PeerVersions: []string{"3.4.23"}, StoreError: "no route"},
			InstallDecision{Refusal: "Cannot check channel 3.5/stable in the snap store: no route"}},
		{"explicit channel the store lacks, beside peers: refused",
			InstallFacts{Configured: "3.9/stable", PeerVersions: []string{"3.5.17"}, Offered: store},
			InstallDecision{Refusal: "Channel 3.9/stable is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DecideInstall(c.f); got != c.want {
				t.Errorf("DecideInstall(%+v) =\n%+v\nwant\n%+v", c.f, got, c.want)
			}
		})
	}
}

func TestCheckJoin(t *testing.T) {
	cases := []struct {
		name    string
		own     string
		members []string
		want    string
	}{
		{"same release", "3.4.23", []string{"3.4.23", "3.4.20"}, ""},
		{"one minor up, as in a rolling upgrade", "3.5.17", []string{"3.4.23"}, ""},
		{"a rolling upgrade's mix takes the cluster's release", "3.4.23", []string{"3.5.17", "3.4.23"}, ""},
		{"3.6 beside 3.4 voters", "3.6.16", []string{"3.4.23", "3.4.23"},
			"This unit runs etcd 3.6, which cannot join a cluster running etcd 3.4; change channel to 3.4/stable or auto, then replace this unit (remove-unit, add-unit)."},
		{"3.4 below a 3.5 cluster", "3.4.23", []string{"3.5.17"},
			"This unit runs etcd 3.4, which cannot join a cluster running etcd 3.5; change channel to 3.5/stable or auto, then replace this unit (remove-unit, add-unit)."},
		{"no members known", "3.6.16", nil, ""},
		{"own version unknown", "", []string{"3.4.23"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CheckJoin(c.own, c.members); got != c.want {
				t.Errorf("CheckJoin(%q, %v) = %q, want %q", c.own, c.members, got, c.want)
			}
		})
	}
}
