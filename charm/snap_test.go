package charm

import "testing"

func TestWantRefresh(t *testing.T) {
	for _, tt := range []struct {
		name         string
		snap         SnapView
		configured   string
		fromResource bool
		want         bool
	}{
		{"auto keeps what is installed", SnapView{Tracking: "3.4/stable"}, "auto", false, false},
		{"the tracked channel", SnapView{Tracking: "3.5/stable"}, "3.5", false, false},
		{"another channel", SnapView{Tracking: "3.5/stable"}, "3.6/stable", false, true},
		{"a risk alone is latest's", SnapView{Tracking: "latest/edge"}, "edge", false, false},
		{"the charm's resource stays", SnapView{Tracking: "3.5/stable", Local: true}, "3.6/stable", true, false},
		{"a sideload not from the resource follows the channel", SnapView{Tracking: "3.5/stable", Local: true}, "3.6/stable", false, true},
		{"a store revision installed with a resource recorded follows the channel", SnapView{Tracking: "3.5/stable"}, "3.6/stable", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.snap.WantRefresh(tt.configured, tt.fromResource); got != tt.want {
				t.Errorf("WantRefresh(%q, %t) on %+v = %t, want %t", tt.configured, tt.fromResource, tt.snap, got, tt.want)
			}
		})
	}
}

func TestAutoChannel(t *testing.T) {
	for _, tt := range []struct {
		offered []string
		want    string
	}{
		{[]string{"3.4/stable", "3.6/stable", "3.5/stable", "3.7/edge"}, "3.6/stable"},
		{[]string{"3.10/stable", "3.9/stable"}, "3.10/stable"},
		{[]string{"3.3/stable", "latest/stable", "2.3/stable"}, FallbackChannel},
		{nil, FallbackChannel},
	} {
		if got := AutoChannel(tt.offered); got != tt.want {
			t.Errorf("AutoChannel(%v) = %q, want %q", tt.offered, got, tt.want)
		}
	}
}
