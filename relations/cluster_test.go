package relations

import "testing"

func TestV2CheckRoundTrip(t *testing.T) {
	for _, c := range []V2Check{
		{},
		{Result: V2Clean, Installed: "3.5.35", Target: "3.6.4"},
		{Result: V2Custom, Installed: "3.5.35", Target: "3.6.4"},
		{Result: V2Unchecked, Installed: "3.5.1", Target: "3.6.0"},
	} {
		p := Peer{Unit: "etcd/1", Name: "etcd1", State: PeerStarted, Version: c.Installed, V2Store: c}
		if got := DecodePeer("etcd/1", p.Settings()); got != p {
			t.Errorf("DecodePeer(%v.Settings()) = %+v, want %+v", c, got, p)
		}
	}
	if got := (Peer{}).Settings()["v2-store"]; got != "" {
		t.Errorf("a peer without a verdict publishes v2-store %q, want it deleted", got)
	}
}

func TestDecodeV2CheckRejects(t *testing.T) {
	for _, s := range []string{"", "clean", "clean 3.5.35", "dirty 3.5.35 3.6.4", "clean 3.5.35 3.6.4 extra"} {
		if got := DecodeV2Check(s); got != (V2Check{}) {
			t.Errorf("DecodeV2Check(%q) = %+v, want no verdict", s, got)
		}
	}
}
