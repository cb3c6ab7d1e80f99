package relations

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// Peer is what one etcd unit publishes in its unit bag on the `cluster`
// peer relation. layer-etcd published only db-ingress-address; the other
// keys carry the membership protocol (announce → admitted → started).
type Peer struct {
	Unit      string // the unit the bag belongs to (not a key)
	Name      string // etcd member name, "etcd0"
	PeerURL   string // https://<cluster address>:<management_port>
	ClientURL string // https://<db address>:<port>
	DBAddress string // db-ingress-address, kept for layer-etcd compatibility
	// State is "" until the unit can run etcd (snap installed, TLS placed),
	// "ready" then, "starting" once its etcd runs but does not serve yet
	// (a bootstrap member waiting for a quorum of the others), and
	// "started" once its etcd serves as a cluster member.
	State string
	// RestartRequest and RestartDone carry the rolling-restart protocol:
	// the config hash the unit wants to restart into, and the last one it
	// restarted into.
	RestartRequest string
	RestartDone    string
	// Version is the etcd version the unit's snap installs ("3.5.17"),
	// so every unit judges a channel change against the same versions
	// (charm.CheckChannel). Not a layer-etcd key; "" from units that do
	// not publish it.
	Version string
	// PeerName is the peer name (charm.PeerName) the certificate this
	// unit's etcd serves carries, "" until it does; the leader raises the
	// peer boundary once every member's does (charm.DecidePeerName).
	PeerName string
	// V2Store is the unit's verdict of etcd's v2-store check on the data
	// its etcd runs on, published while a move to a release without the
	// v2 store is pending (charm.DecideV2Store); zero otherwise.
	V2Store V2Check
}

// V2Check is what `etcdutl check v2store` said of one unit's data dir:
// Result (V2Clean, V2Custom or V2Unchecked), checked on etcd Installed
// before a move to Target. Its key is "v2-store", "<result> <installed>
// <target>"; the zero V2Check deletes it.
type V2Check struct {
	Result, Installed, Target string
}

// V2Check results.
const (
	V2Clean     = "clean"
	V2Custom    = "custom"
	V2Unchecked = "unchecked"
)

// Encode renders the check as its key's value.
func (c V2Check) Encode() string {
	if c == (V2Check{}) {
		return ""
	}
	return c.Result + " " + c.Installed + " " + c.Target
}

// DecodeV2Check reads a "v2-store" value; anything else than three
// fields with a known result is the zero V2Check (no verdict).
func DecodeV2Check(s string) V2Check {
	f := strings.Fields(s)
	if len(f) != 3 {
		return V2Check{}
	}
	switch f[0] {
	case V2Clean, V2Custom, V2Unchecked:
		return V2Check{Result: f[0], Installed: f[1], Target: f[2]}
	}
	return V2Check{}
}

// Peer states.
const (
	PeerReady    = "ready"
	PeerStarting = "starting"
	PeerStarted  = "started"
	// PeerLost: the unit's member started once but its data is gone; the
	// leader removes the member and admits the unit again, empty.
	PeerLost = "lost"
)

// Settings renders the peer as its unit bag (empty values delete keys).
func (p Peer) Settings() map[string]string {
	return map[string]string{
		"db-ingress-address": p.DBAddress,
		"member-name":        p.Name,
		"peer-url":           p.PeerURL,
		"client-url":         p.ClientURL,
		"state":              p.State,
		"restart-request":    p.RestartRequest,
		"restart-done":       p.RestartDone,
		"etcd-version":       p.Version,
		"peer-name":          p.PeerName,
		"v2-store":           p.V2Store.Encode(),
	}
}

// DecodePeer reads a peer's unit bag.
func DecodePeer(unit string, bag map[string]string) Peer {
	return Peer{
		Unit:           unit,
		Name:           bag["member-name"],
		PeerURL:        bag["peer-url"],
		ClientURL:      bag["client-url"],
		DBAddress:      bag["db-ingress-address"],
		State:          bag["state"],
		RestartRequest: bag["restart-request"],
		RestartDone:    bag["restart-done"],
		Version:        bag["etcd-version"],
		PeerName:       bag["peer-name"],
		V2Store:        DecodeV2Check(bag["v2-store"]),
	}
}

// MemberName is the etcd member name of a unit, as layer-etcd names
// members: "etcd/0" → "etcd0".
func MemberName(unit string) string { return strings.ReplaceAll(unit, "/", "") }

// URL builds https://host:port, bracketing IPv6 literals.
func URL(host string, port int) string {
	return "https://" + net.JoinHostPort(host, fmt.Sprint(port))
}

// URLHost returns the host of a URL ("" when it does not parse).
func URLHost(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return parsed.Hostname()
}

// NamedURL is one entry of an initial-cluster string.
type NamedURL struct {
	Name, URL string
}

// FormatInitialCluster renders "etcd0=https://a:2380,etcd1=https://b:2380",
// sorted by name so every unit renders the same string.
func FormatInitialCluster(members []NamedURL) string {
	sorted := append([]NamedURL(nil), members...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	parts := make([]string, len(sorted))
	for i, m := range sorted {
		parts[i] = m.Name + "=" + m.URL
	}
	return strings.Join(parts, ",")
}

// ParseInitialCluster parses an initial-cluster string.
func ParseInitialCluster(s string) ([]NamedURL, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []NamedURL
	for _, part := range strings.Split(s, ",") {
		name, u, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" || u == "" {
			return nil, fmt.Errorf("cannot parse initial cluster %q: entry %q is not name=url", s, part)
		}
		out = append(out, NamedURL{name, u})
	}
	return out, nil
}

// SortedByUnit returns the peers ordered by unit name, the order every
// unit (and so every leader) walks them in.
func SortedByUnit(peers []Peer) []Peer {
	out := append([]Peer(nil), peers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}
