package charm

import (
	"fmt"
	"sort"
	"strings"
)

// A channel change moves every member, one at a time under the restart
// lock, to the etcd the channel serves. etcd supports only some of those
// moves (etcd.io "Upgrade etcd from 3.x to 3.y"): one minor version up at
// a time, with every member on the same minor before the next; a member
// of a newer minor refuses to start on data its cluster wrote at an older
// one it skipped, and an older binary refuses a cluster whose version is
// newer ("cluster cannot be downgraded"). A refresh that etcd refuses
// leaves that member down, and the lock moves on to the next one.
//
// So the move is judged before any member moves, before the restart lock
// is even asked for, and on the same facts on every unit: the store's
// channel map (one store for all) and the versions the units publish in
// their peer data. A refused channel is then one blocked message on every
// unit that would move, and nothing else happens: no refresh, no lock, no
// restart, no peer data that would wake the other units.

// ChannelCheck is what CheckChannel judges.
type ChannelCheck struct {
	// Channel is the configured channel (never "auto", which keeps what
	// is installed).
	Channel string
	// Offered is the store's channel map: full channel name → the etcd
	// version it serves.
	Offered map[string]string
	// Running are the etcd versions the application's units install
	// ("3.5.17"): this unit's and those its peers publish.
	Running []string
}

// CheckChannel returns "" when every member may move to c.Channel, else
// the blocked status naming the supported path (a full sentence).
func CheckChannel(c ChannelCheck) string {
	want := FullChannel(c.Channel)
	version, ok := c.Offered[want]
	if !ok {
		return fmt.Sprintf("Channel %s is not in the snap store; change channel to one of %s, or auto.", c.Channel, strings.Join(stableChannels(c.Offered), ", "))
	}
	wMajor, wMinor, ok := parseVersion(version)
	if !ok {
		return fmt.Sprintf("Channel %s serves etcd %q, a version the charm cannot place; change channel back or to auto.", c.Channel, version)
	}
	low, high, ok := versionRange(c.Running)
	if !ok {
		// Nothing runs with a version the charm knows: a first install
		// has nothing to skip or downgrade.
		return ""
	}
	w := minorVersion{wMajor, wMinor}
	switch {
	case w.less(high):
		return fmt.Sprintf("Channel %s would downgrade etcd from %s to %s, which etcd refuses; change channel back to %s/stable.", c.Channel, high, w, high)
	case w.major != low.major:
		return fmt.Sprintf("Channel %s moves etcd from %s to another major version, %s, which the charm does not support.", c.Channel, low, w)
	case w.minor > low.minor+1:
		var skipped []string
		for m := low.minor + 1; m < w.minor; m++ {
			skipped = append(skipped, minorVersion{w.major, m}.String())
		}
		next := minorVersion{w.major, low.minor + 1}
		if len(skipped) == 1 {
			return fmt.Sprintf("Channel %s skips %s; change channel to %s/stable first, then %s.", c.Channel, skipped[0], next, c.Channel)
		}
		return fmt.Sprintf("Channel %s skips %s; change channel to %s/stable first, then one minor version at a time to %s.", c.Channel, strings.Join(skipped, ", "), next, c.Channel)
	}
	return ""
}

// minorVersion is an etcd major.minor.
type minorVersion struct{ major, minor int }

func (v minorVersion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v minorVersion) less(o minorVersion) bool {
	return v.major < o.major || (v.major == o.major && v.minor < o.minor)
}

// parseVersion reads the major and minor of an etcd version ("3.5.17",
// "3.6.0-rc.1").
func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	return parseTrack(parts[0] + "." + parts[1])
}

// versionRange is the lowest and highest minor version of running (the
// versions it can read).
func versionRange(running []string) (low, high minorVersion, ok bool) {
	for _, r := range running {
		major, minor, good := parseVersion(r)
		if !good {
			continue
		}
		v := minorVersion{major, minor}
		if !ok || v.less(low) {
			low = v
		}
		if !ok || high.less(v) {
			high = v
		}
		ok = true
	}
	return low, high, ok
}

// stableChannels are the store's stable channels of supported tracks, in
// track order: the ones to suggest.
func stableChannels(offered map[string]string) []string {
	var out []string
	for ch := range offered {
		track, risk, _ := strings.Cut(ch, "/")
		if risk == "stable" && supportedTrack(track) {
			out = append(out, ch)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _, _ := strings.Cut(out[i], "/")
		b, _, _ := strings.Cut(out[j], "/")
		return trackLess(a, b)
	})
	if len(out) == 0 {
		return []string{"the channels it offers"}
	}
	return out
}
