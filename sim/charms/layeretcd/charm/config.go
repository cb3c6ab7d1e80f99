// Package charm is the layer-etcd stand-in's logic: the reactive etcd
// charm (charmed-kubernetes/layer-etcd @ 233f62a, src/reactive/etcd.py)
// rewritten as one Go pass over the same handlers, so that jujusim can run
// a deployment of "the charm we replace" and the Go etcd charm can be
// tested adopting it. Fidelity to what the original leaves behind (files,
// leader data, relation data, statuses) is the point; its reactive flags
// live in Juju unit state under their original names.
package charm

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultChannel is what channel=auto installs on a unit without etcd
// (get_target_etcd_channel).
const DefaultChannel = "3.4/stable"

// Config is the charm's config, typed (reference §2).
type Config struct {
	Port                 int
	ManagementPort       int
	Channel              string
	HeartbeatInterval    int
	ElectionTimeout      int
	SnapshotCount        string
	SnapdRefresh         string
	BindToAllInterfaces  bool
	BindWithInsecureHTTP bool
	TLSCipherSuites      string
	NagiosContext        string
	NagiosServicegroups  string
}

// ParseConfig reads config-get's answer; every option has a default, so a
// missing one is an error of the tool, not of the operator.
func ParseConfig(raw map[string]any) (Config, error) {
	var c Config
	var errs []string
	num := func(k string) int {
		switch v := raw[k].(type) {
		case int64:
			return int(v)
		case float64:
			return int(v)
		case int:
			return v
		}
		errs = append(errs, k)
		return 0
	}
	str := func(k string) string {
		v, ok := raw[k].(string)
		if !ok {
			errs = append(errs, k)
		}
		return v
	}
	boolean := func(k string) bool {
		v, ok := raw[k].(bool)
		if !ok {
			errs = append(errs, k)
		}
		return v
	}
	c.Port = num("port")
	c.ManagementPort = num("management_port")
	c.Channel = str("channel")
	c.HeartbeatInterval = num("heartbeat_interval")
	c.ElectionTimeout = num("election_timeout")
	c.SnapshotCount = str("snapshot_count")
	c.SnapdRefresh = str("snapd_refresh")
	c.BindToAllInterfaces = boolean("bind_to_all_interfaces")
	c.BindWithInsecureHTTP = boolean("bind_with_insecure_http")
	c.TLSCipherSuites = str("tls_cipher_suites")
	c.NagiosContext, _ = raw["nagios_context"].(string)
	c.NagiosServicegroups, _ = raw["nagios_servicegroups"].(string)
	if len(errs) > 0 {
		return c, fmt.Errorf("cannot read config: missing or mistyped %s", strings.Join(errs, ", "))
	}
	return c, nil
}

// TargetChannel is get_target_etcd_channel: the channel to install or
// refresh to, or "" for "leave etcd alone" (auto on a unit that has it).
func (c Config) TargetChannel(installed bool) string {
	if c.Channel == "auto" {
		if installed {
			return ""
		}
		return DefaultChannel
	}
	return c.Channel
}

// Snapshot counts of etcd_lib.get_snapshot_count.
const (
	snapshotCountPre32  = 10000
	snapshotCountFrom32 = 100000
)

// SnapshotCountValue is etcd_lib.get_snapshot_count: an integer as given,
// or for auto 100000 when the channel is auto or its track is 3.2 or newer,
// else 10000. Like the original (which feeds the track to
// packaging.Version), a track that is not a version is an error (QUIRK:
// channel latest/stable with snapshot_count auto fails the hook).
func (c Config) SnapshotCountValue() (int, error) {
	if c.SnapshotCount != "auto" {
		n, err := strconv.Atoi(c.SnapshotCount)
		if err != nil {
			return 0, fmt.Errorf("cannot use snapshot_count: %q value is not an integer number", c.SnapshotCount)
		}
		return n, nil
	}
	if c.Channel == "auto" {
		return snapshotCountFrom32, nil
	}
	track, _, _ := strings.Cut(c.Channel, "/")
	major, minor, ok := parseTrack(track)
	if !ok {
		return 0, fmt.Errorf("cannot use snapshot_count auto: invalid version %q", track)
	}
	if major > 3 || (major == 3 && minor >= 2) {
		return snapshotCountFrom32, nil
	}
	return snapshotCountPre32, nil
}

func parseTrack(track string) (major, minor int, ok bool) {
	parts := strings.Split(track, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return 0, 0, false
	}
	nums := make([]int, 2)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, 0, false
		}
		if i < 2 {
			nums[i] = n
		}
	}
	return nums[0], nums[1], true
}
