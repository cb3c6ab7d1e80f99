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
