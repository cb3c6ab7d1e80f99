package charm

import "testing"

func TestCheckChannel(t *testing.T) {
	store := map[string]string{
		"3.4/stable": "3.4.23", "3.5/stable": "3.5.17", "3.6/stable": "3.6.16",
		"3.6/candidate": "3.6.16", "3.7/edge": "3.7.0-alpha.0", "latest/stable": "3.6.16",
		"3.2/stable": "3.2.32", "odd/stable": "snapshot",
	}
	for _, tc := range []struct {
		name    string
		channel string
		running []string
		want    string
	}{
		{"one minor up", "3.5/stable", []string{"3.4.23", "3.4.23", "3.4.23"}, ""},
		{"same minor, other risk", "3.6/candidate", []string{"3.6.16", "3.6.16"}, ""},
		{"track only", "3.6", []string{"3.5.17"}, ""},
		{"latest resolves to its version", "latest/stable", []string{"3.5.17"}, ""},
		{"finishing a roll", "3.5/stable", []string{"3.5.17", "3.4.23", "3.4.23"}, ""},
		{"patch versions do not matter", "3.5/stable", []string{"3.5.9", "3.5.17"}, ""},
		{"nothing known runs", "3.6/stable", nil, ""},
		{"unknown channel", "99.9/stable", []string{"3.6.16"},
			"Channel 99.9/stable is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto."},
		{"unknown branch", "3.6/stable/hotfix", []string{"3.6.16"},
			"Channel 3.6/stable/hotfix is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto."},
		{"skip of one minor", "3.6/stable", []string{"3.4.23", "3.4.23", "3.4.23"},
			"Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."},
		{"skip of two minors", "3.7/edge", []string{"3.4.23"},
			"Channel 3.7/edge skips 3.5, 3.6; change channel to 3.5/stable first, then one minor version at a time to 3.7/edge."},
		{"skip judged from the lowest unit mid-roll", "3.6/stable", []string{"3.5.17", "3.4.23", "3.4.23"},
			"Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."},
		{"downgrade", "3.4/stable", []string{"3.6.16", "3.6.16", "3.6.16"},
			"Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable."},
		{"downgrade of one minor", "3.4/stable", []string{"3.5.17"},
			"Channel 3.4/stable would downgrade etcd from 3.5 to 3.4, which etcd refuses; change channel back to 3.5/stable."},
		{"downgrade judged from the highest unit mid-roll", "3.4/stable", []string{"3.4.23", "3.5.17", "3.4.23"},
			"Channel 3.4/stable would downgrade etcd from 3.5 to 3.4, which etcd refuses; change channel back to 3.5/stable."},
		{"below the supported tracks is a downgrade", "3.2/stable", []string{"3.4.23"},
			"Channel 3.2/stable would downgrade etcd from 3.4 to 3.2, which etcd refuses; change channel back to 3.4/stable."},
		{"a version that is no version", "odd/stable", []string{"3.6.16"},
			`Channel odd/stable serves etcd "snapshot", a version the charm cannot place; change channel back or to auto.`},
		{"unreadable running versions are ignored", "3.5/stable", []string{"", "garbage", "3.4.23"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckChannel(ChannelCheck{Channel: tc.channel, Offered: store, Running: tc.running})
			if got != tc.want {
				t.Errorf("CheckChannel(%s, %v)\n got %q\nwant %q", tc.channel, tc.running, got, tc.want)
			}
		})
	}
}

// Every unit judges the same facts the same way, whatever order it lists
// them in: this unit's version first, then its peers'.
func TestCheckChannelSameOnEveryUnit(t *testing.T) {
	store := map[string]string{"3.5/stable": "3.5.17", "3.6/stable": "3.6.16"}
	views := [][]string{{"3.5.17", "3.4.23", "3.5.17"}, {"3.4.23", "3.5.17", "3.5.17"}, {"3.5.17", "3.5.17", "3.4.23"}}
	first := CheckChannel(ChannelCheck{Channel: "3.6/stable", Offered: store, Running: views[0]})
	if first == "" {
		t.Fatal("a skip from 3.4 was allowed")
	}
	for _, v := range views[1:] {
		if got := CheckChannel(ChannelCheck{Channel: "3.6/stable", Offered: store, Running: v}); got != first {
			t.Errorf("running %v: %q, another unit says %q", v, got, first)
		}
	}
}

func TestCheckChannelEmptyStore(t *testing.T) {
	got := CheckChannel(ChannelCheck{Channel: "3.5/stable", Offered: map[string]string{}, Running: []string{"3.4.23"}})
	want := "Channel 3.5/stable is not in the snap store; change channel to one of the channels it offers, or auto."
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
