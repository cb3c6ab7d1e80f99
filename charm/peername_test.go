package charm

import (
	"crypto/x509"
	"regexp"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
)

func TestPeerName(t *testing.T) {
	a := PeerName("4d1c0f44-1b6e-4d7e-8c3b-6c9f0a6c1e01", "etcd")
	if !regexp.MustCompile(`^etcd\.[0-9a-f]{16}\.etcd-peer\.invalid$`).MatchString(a) {
		t.Errorf("PeerName = %q, want etcd.<16 hex>.etcd-peer.invalid", a)
	}
	others := map[string]string{
		"another application":            PeerName("4d1c0f44-1b6e-4d7e-8c3b-6c9f0a6c1e01", "etcd-b"),
		"the same application elsewhere": PeerName("0c8a7d90-0000-4000-8000-000000000000", "etcd"),
	}
	for what, b := range others {
		if b == a {
			t.Errorf("%s has the same peer name %q", what, a)
		}
	}
	long := PeerName("m", strings.Repeat("x", 70))
	for _, label := range strings.Split(long, ".") {
		if len(label) > 63 {
			t.Errorf("PeerName of a long application has label %q longer than DNS allows", label)
		}
	}
	if again := PeerName("4d1c0f44-1b6e-4d7e-8c3b-6c9f0a6c1e01", "etcd"); again != a {
		t.Errorf("PeerName is not stable: %q then %q", a, again)
	}
}

func TestCertNames(t *testing.T) {
	ca := newTestCA(t, "ca")
	name := PeerName("uuid", "etcd")
	with, _ := ca.Issue(t, "10.0.0.1", []string{"10.0.0.1", name}, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	without, _ := ca.Issue(t, "10.0.0.1", []string{"10.0.0.1"}, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	other, _ := ca.Issue(t, "10.0.0.1", []string{"10.0.0.1", PeerName("uuid", "etcd-b")}, x509.ExtKeyUsageServerAuth)
	for _, tt := range []struct {
		name, cert string
		want       bool
	}{
		{"a certificate with the name", with, true},
		{"a certificate without it", without, false},
		{"another application's certificate", other, false},
		{"garbage", "not a certificate", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CertNames(tt.cert, name); got != tt.want {
				t.Errorf("CertNames = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecidePeerName(t *testing.T) {
	const want = "etcd.0011223344556677.etcd-peer.invalid"
	peer := func(n int, state, name string) relations.Peer {
		id := string(rune('0' + n))
		return relations.Peer{Unit: "etcd/" + id, Name: "etcd" + id, PeerURL: "https://10.0.1." + id + ":2380", State: state, PeerName: name}
	}
	member := func(n int) etcd.Member {
		id := string(rune('0' + n))
		return etcd.Member{ID: uint64(n + 1), Name: "etcd" + id, PeerURLs: []string{"https://10.0.1." + id + ":2380"}}
	}
	three := []etcd.Member{member(0), member(1), member(2)}
	started := relations.PeerStarted
	tests := []struct {
		name string
		v    PeerBoundaryView
		out  string
	}{{
		name: "a new cluster whose units all carry the name starts with the boundary up",
		v:    PeerBoundaryView{Want: want, Peers: []relations.Peer{peer(0, "ready", want), peer(1, "ready", want), peer(2, "", "")}},
		out:  want,
	}, {
		name: "a unit still waiting for its new certificate keeps it down",
		v:    PeerBoundaryView{Want: want, Peers: []relations.Peer{peer(0, "ready", want), peer(1, "ready", "")}},
	}, {
		name: "nobody announced yet",
		v:    PeerBoundaryView{Want: want, Peers: []relations.Peer{peer(0, "", "")}},
	}, {
		name: "a running cluster whose members all serve the name raises it",
		v: PeerBoundaryView{Want: want, Bootstrapped: true, Members: three,
			Peers: []relations.Peer{peer(0, started, want), peer(1, started, want), peer(2, started, want)}},
		out: want,
	}, {
		name: "a member still on layer-etcd (no announcement, an old certificate) keeps it down",
		v: PeerBoundaryView{Want: want, Bootstrapped: true, Members: three,
			Peers: []relations.Peer{peer(0, started, want), peer(1, started, want), peer(2, "", "")}},
	}, {
		name: "a member no unit accounts for keeps it down",
		v: PeerBoundaryView{Want: want, Bootstrapped: true, Members: append(three, member(3)),
			Peers: []relations.Peer{peer(0, started, want), peer(1, started, want), peer(2, started, want)}},
	}, {
		name: "an unstarted learner (no name yet) counts by its peer URL",
		v: PeerBoundaryView{Want: want, Bootstrapped: true,
			Members: []etcd.Member{member(0), {ID: 9, PeerURLs: []string{"https://10.0.1.1:2380"}, IsLearner: true}},
			Peers:   []relations.Peer{peer(0, started, want), peer(1, "ready", want)}},
		out: want,
	}, {
		name: "a cluster whose members cannot be listed waits",
		v: PeerBoundaryView{Want: want, Bootstrapped: true,
			Peers: []relations.Peer{peer(0, started, want), peer(1, started, want)}},
	}, {
		name: "once up it stays up, whatever a peer says",
		v: PeerBoundaryView{Want: want, Current: want, Bootstrapped: true, Members: three,
			Peers: []relations.Peer{peer(0, started, want), peer(1, "ready", "")}},
		out: want,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecidePeerName(tt.v); got != tt.out {
				t.Errorf("DecidePeerName = %q, want %q", got, tt.out)
			}
		})
	}
}

// The boundary is rendered in the form each release's config file reads
// (see peername.go) and read back from either.
func TestAllowPeersRendersPerRelease(t *testing.T) {
	const name = "etcd.0011223344556677.etcd-peer.invalid"
	tests := []struct {
		release, name string
		want          []string // lines the rendered file holds
		absent        []string
	}{
		{"3.4", name, []string{"PeerTLSInfo:", "  AllowedHostname: " + name}, []string{"allowed-hostname"}},
		{"3.5", name, []string{"  allowed-hostname: [" + name + "]"}, []string{"PeerTLSInfo"}},
		{"3.6.16", name, []string{"  allowed-hostname: [" + name + "]"}, []string{"PeerTLSInfo"}},
		{"3.6", "", nil, []string{"PeerTLSInfo", "allowed-hostname"}},
		{"3.4", "", nil, []string{"PeerTLSInfo", "allowed-hostname"}},
	}
	cfg, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.release+" "+tt.name, func(t *testing.T) {
			ec, err := BuildEtcdConfig(cfg, Paths{Root: "/"}, Member{Name: "etcd0", ClusterAddress: "10.0.1.0", DBAddress: "10.0.0.0"}, Start{}, "")
			if err != nil {
				t.Fatal(err)
			}
			ec.AllowPeers(tt.release, tt.name)
			out := string(ec.Render())
			for _, l := range tt.want {
				if !strings.Contains(out, l+"\n") {
					t.Errorf("rendered file lacks %q:\n%s", l, out)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(out, s) {
					t.Errorf("rendered file holds %q:\n%s", s, out)
				}
			}
			if strings.Contains(out, "client-transport-security:\n") && strings.Count(out, "allowed-hostname") > 1 {
				t.Errorf("the client port is restricted too:\n%s", out)
			}
			back, err := ParseEtcdConfig([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			if back.AllowedPeer() != tt.name {
				t.Errorf("read back AllowedPeer = %q, want %q", back.AllowedPeer(), tt.name)
			}
		})
	}
}

// Raising the boundary is a config change like any other: a running
// member asks for the restart lock; one that does not run yet starts
// with it.
func TestPlanMemberRaisesThePeerBoundary(t *testing.T) {
	const name = "etcd.0011223344556677.etcd-peer.invalid"
	v := runningView(t)
	withPeers(&v, relations.PeerStarted)
	v.Leader.PeerName = name
	step, err := PlanMember(v)
	if err != nil {
		t.Fatal(err)
	}
	if step.Kind != MemberRequestRestart {
		t.Errorf("running member: step %q, want %q", step.Kind, MemberRequestRestart)
	}
	conf, err := ParseEtcdConfig(step.Rendered)
	if err != nil {
		t.Fatal(err)
	}
	if conf.AllowedPeer() != name {
		t.Errorf("rendered AllowedPeer = %q, want %q", conf.AllowedPeer(), name)
	}
	diff, err := EffectDiff(v.Running, step.Rendered, true)
	if err != nil || len(diff) == 0 {
		t.Errorf("EffectDiff = %v, %v: the boundary must count as a change etcd acts on", diff, err)
	}

	stopped(&v)
	v.Snap = SnapView{Tracking: "3.4/stable", Version: "3.4.23"}
	step, err = PlanMember(v)
	if err != nil {
		t.Fatal(err)
	}
	if conf, _ := ParseEtcdConfig(step.Rendered); step.Kind != MemberStart || conf.PeerTLSInfo == nil || conf.PeerTLSInfo.AllowedHostname != name {
		t.Errorf("stopped 3.4 member: step %q with PeerTLSInfo %+v, want a start with the 3.4 form", step.Kind, conf.PeerTLSInfo)
	}
}
