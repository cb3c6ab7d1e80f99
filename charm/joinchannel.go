package charm

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
