package charm

import (
	"sort"
	"strconv"
	"strings"
)

// The etcd snap as the charm drives it.
const (
	// SnapName is the etcd snap; ServiceName its daemon (snap.etcd.etcd).
	SnapName    = "etcd"
	ServiceName = "etcd.etcd"
	// FallbackChannel is layer-etcd's channel for "auto" when the store
	// offers no supported track.
	FallbackChannel = "3.4/stable"
	// minMajor.minMinor is the oldest track the charm drives (the v3 API
	// with learners).
	minMajor, minMinor = 3, 4
)

// SnapView is what snapd says about the installed etcd snap.
type SnapView struct {
	Tracking string // the channel it tracks ("3.5/stable"; may be "" for a sideload)
	Local    bool   // a sideloaded revision (x1, x2, …)
	Version  string // the etcd version it holds ("3.5.17")
}

// Release is the etcd release ("3.5") the member runs once this hook's
// steps are done: the configured channel's track when the snap moves to
// it (refreshing), else the installed version's.
func (s SnapView) Release(configured string, refreshing bool) string {
	if refreshing {
		track, _, _ := strings.Cut(FullChannel(configured), "/")
		if _, _, ok := parseTrack(track); ok {
			return track
		}
	}
	return majorMinor(s.Version)
}

// WantRefresh reports whether the installed snap should move to the
// configured channel: only for an explicit channel ("auto" keeps what is
// installed) that differs from the tracked one, and never away from the
// attached `etcd` resource the charm installed (fromResource: a local
// revision recorded in unit state). The resource wins, as metadata.yaml
// says, until the operator attaches an empty one and runs snap-upgrade;
// an offline machine would otherwise be blocked on a store refresh.
func (s SnapView) WantRefresh(configured string, fromResource bool) bool {
	if configured == "auto" || (s.Local && fromResource) {
		return false
	}
	return FullChannel(configured) != FullChannel(s.Tracking)
}

// FullChannel normalises a channel as snapd reports tracking channels:
// "3.5" → "3.5/stable", "edge" → "latest/edge".
func FullChannel(ch string) string {
	switch {
	case ch == "":
		return ""
	case ch == "stable" || ch == "candidate" || ch == "beta" || ch == "edge":
		return "latest/" + ch
	case !strings.Contains(ch, "/"):
		return ch + "/stable"
	}
	return ch
}

// AutoChannel is what channel "auto" installs, given the channels the
// store offers: the highest supported track (3.4 or later) with a stable
// risk, else FallbackChannel.
func AutoChannel(offered []string) string {
	var tracks []string
	for _, ch := range offered {
		track, risk, ok := strings.Cut(ch, "/")
		if ok && risk == "stable" && supportedTrack(track) {
			tracks = append(tracks, track)
		}
	}
	if len(tracks) == 0 {
		return FallbackChannel
	}
	sort.Slice(tracks, func(i, j int) bool { return trackLess(tracks[i], tracks[j]) })
	return tracks[len(tracks)-1] + "/stable"
}

func parseTrack(track string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(track, ".")
	if !found {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, err1 == nil && err2 == nil
}

func supportedTrack(track string) bool {
	major, minor, ok := parseTrack(track)
	return ok && (major > minMajor || (major == minMajor && minor >= minMinor))
}

func trackLess(a, b string) bool {
	am, an, _ := parseTrack(a)
	bm, bn, _ := parseTrack(b)
	return am < bm || (am == bm && an < bn)
}
