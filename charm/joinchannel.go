package charm

import "fmt"

// JoinChannel is the channel a fresh install uses on a unit whose peers
// already run etcd (versions, as their peer data says: "3.4.23"). Channel
// "auto" is layer-etcd's, resolved at a unit's first install and never
// moved by itself; a unit added later must run the release the cluster
// runs, not the newest the store offers now (an etcd 3.6 learner added to
// a 3.4 cluster, as a layer-etcd deployment adopted by this charm is,
// breaks it). So "auto" installs the stable track of the oldest release
// the peers run (the cluster's version, also mid-way through a rolling
// upgrade). A unit's first hook (install) sees no peer data yet: Juju
// brings the peers into its relation only after it started. Then the
// channel the leader recorded (leaderChannel, the one its own snap
// tracks) stands in. An explicit channel, or nothing known, is left as
// configured ("auto" then resolves against the store).
func JoinChannel(configured, leaderChannel string, peerVersions []string) string {
	if configured != "auto" {
		return configured
	}
	oldest := ""
	for _, v := range peerVersions {
		track := majorMinor(v)
		if !supportedTrack(track) {
			continue
		}
		if oldest == "" || trackLess(track, oldest) {
			oldest = track
		}
	}
	switch {
	case oldest != "":
		return oldest + "/stable"
	case leaderChannel != "":
		return leaderChannel
	}
	return configured
}

// InstallFacts are what a unit's fresh store install is decided on.
type InstallFacts struct {
	// Configured is the channel option.
	Configured string
	// LeaderChannel is the channel the leader's etcd tracks (leader
	// setting etcd_channel), "" before the leader recorded one.
	LeaderChannel string
	// PeerVersions are the etcd versions the other units publish.
	PeerVersions []string
	// Offered is the store's channel map (full channel → version); nil
	// when the store did not answer, StoreError saying why.
	Offered    map[string]string
	StoreError string
}

// InstallDecision is the channel a fresh install uses, or the blocked
// status (a full sentence) refusing it; exactly one is set.
type InstallDecision struct {
	Channel string
	Refusal string
}

// DecideInstall is the one decision of which channel a fresh unit
// installs and whether the cluster it joins can take it in: the channel
// is JoinChannel's ("auto" then resolved against the store, or
// FallbackChannel when the store does not answer), judged by
// CheckChannel against what the cluster runs, so a refused channel
// installs nothing and the unit shows the same message as its peers.
// What the cluster runs is what the peers publish or, in the install
// hook before their data is in, the version of the leader's channel: a
// unit configured for 3.6 beside a 3.4 cluster must not install 3.6 and
// join as a learner the 3.4 voters cannot take.
func DecideInstall(f InstallFacts) InstallDecision {
	channel := JoinChannel(f.Configured, f.LeaderChannel, f.PeerVersions)
	running := f.PeerVersions
	if len(running) == 0 && f.LeaderChannel != "" && f.Offered != nil {
		if v, ok := f.Offered[FullChannel(f.LeaderChannel)]; ok {
			running = []string{v}
		}
	}
	clusterKnown := len(running) > 0 || f.LeaderChannel != ""
	if f.Offered == nil {
		if channel == "auto" {
			return InstallDecision{Channel: FallbackChannel}
		}
		if clusterKnown && f.Configured != "auto" {
			return InstallDecision{Refusal: fmt.Sprintf("Cannot check channel %s in the snap store: %s", f.Configured, f.StoreError)}
		}
		return InstallDecision{Channel: channel}
	}
	if channel == "auto" {
		offered := make([]string, 0, len(f.Offered))
		for ch := range f.Offered {
			offered = append(offered, ch)
		}
		channel = AutoChannel(offered)
	}
	if len(running) > 0 {
		if msg := CheckChannel(ChannelCheck{Channel: channel, Offered: f.Offered, Running: running}); msg != "" {
			return InstallDecision{Refusal: msg}
		}
	}
	return InstallDecision{Channel: channel}
}

// CheckJoin returns "" when a unit whose installed etcd is own, not yet
// a member, may be added to members running etcd members (versions, as
// their peer data says), else the blocked status naming the channel to
// use. etcd admits a member at most one minor version above the
// cluster's version (the lowest its members run: a rolling upgrade's
// mix) and none below it ("cluster cannot be downgraded"); an etcd 3.6
// member added to 3.4 voters breaks them (etcd.io "Upgrade etcd from 3.5
// to 3.6": the running cluster must be 3.5). DecideInstall keeps a fresh
// install off such a channel; this is for a unit that installed before
// it knew what the cluster runs (no peer data, no leader channel yet).
// The unit has no data, so replacing it loses nothing.
func CheckJoin(own string, members []string) string {
	oMajor, oMinor, ok := parseVersion(own)
	if !ok {
		return ""
	}
	low, _, ok := versionRange(members)
	if !ok {
		return ""
	}
	o := minorVersion{oMajor, oMinor}
	if o.major == low.major && !o.less(low) && o.minor <= low.minor+1 {
		return ""
	}
	return fmt.Sprintf("This unit runs etcd %s, which cannot join a cluster running etcd %s; change channel to %s/stable or auto, then replace this unit (remove-unit, add-unit).", o, low, low)
}
