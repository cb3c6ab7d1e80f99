package charm

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"slices"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
)

// The peer boundary: etcd's peer port must accept only this application's
// members. Every application behind the same easyrsa gets the same global
// client certificate (CN "client") and server certificates signed by the
// same CA, so peer-client-cert-auth with the CA as trust lets any of them
// in (GET /members, raft messages, snapshots). etcd narrows peer client
// authentication to certificates with an allowed CN or SAN hostname:
//
//   - etcd 3.4 has the flags --peer-cert-allowed-cn and
//     --peer-cert-allowed-hostname (one value each), but the config file
//     it reads (the snap runs `etcd --config-file`, which ignores flags and
//     environment) has no key for them: peer-transport-security knows only
//     cert-file, key-file, client-cert-auth, trusted-ca-file and auto-tls.
//     The file is decoded (YAML → JSON) into embed.Config itself, whose
//     untagged PeerTLSInfo field (a transport.TLSInfo) is then set by a
//     "PeerTLSInfo" key: {AllowedHostname: <name>} is the one way to set it
//     from the file.
//   - etcd 3.5 and 3.6 take lists in the file, peer-transport-security's
//     allowed-cn and allowed-hostname (server/embed/config.go
//     securityConfig); a scalar there is a startup error ("cannot
//     unmarshal string into ... []string").
//
// Checked against the 3.4.23, 3.5.35 and 3.6.16 binaries (peerboundary
// integration test; by hand: a scalar allowed-cn in 3.4's file is ignored,
// the PeerTLSInfo key refuses the client certificate on all three).
// The check runs on both sides of a peer connection: the listener
// verifies the dialing member's client certificate and the dialing member
// the listener's server certificate (transport.TLSInfo's
// VerifyPeerCertificate serves both), so every member must present a
// certificate that passes before any member turns it on.
//
// We use the hostname form, not the CN: the CN stays the unit's address
// as layer-etcd requests it, because real easyrsa names its PKI files
// after the CN (build-server-full <cn>) and revokes the previous holder's
// certificate when another unit asks for the same CN. Every unit asks for
// one more DNS SAN, PeerName, which names this application in this model;
// etcd then allows on the peer port only certificates naming it. The
// client certificate names no such thing, and another etcd application's
// certificates name their own application.
//
// The limit: easyrsa signs whatever a related charm asks for, and a member's
// certificate is shown to anyone who connects, so a charm written to ask
// for this name gets in. A CA of this application's own (a peer-only CA in
// leader data) would close that; see the report of issue 18.

// PeerName is the DNS name every member certificate of application app in
// model modelUUID carries: "<app>.<digest>.etcd-peer.invalid". The digest
// of model and application keeps two applications of the same name in
// different models sharing one CA apart; .invalid (RFC 2606) says it is an
// identity, never an address to resolve.
func PeerName(modelUUID, app string) string {
	sum := sha256.Sum256([]byte(modelUUID + "/" + app))
	label := app
	if len(label) > 40 {
		label = label[:40]
	}
	label = strings.Trim(label, "-")
	if label == "" {
		label = "etcd"
	}
	return label + "." + hex.EncodeToString(sum[:8]) + ".etcd-peer.invalid"
}

// CertNames reports whether the first certificate of certPEM names name
// among its DNS SANs (as etcd's allowed-hostname check verifies it).
func CertNames(certPEM, name string) bool {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return false
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return false
	}
	return name != "" && cert.VerifyHostname(name) == nil
}

// PeerBoundaryView is what the leader decides the peer boundary from.
type PeerBoundaryView struct {
	// Want is this application's PeerName; Current what leader settings
	// hold (relations.Leader.PeerName).
	Want, Current string
	// Peers are every unit in the peer relation, the leader included,
	// with the peer name each says its served certificate carries.
	Peers []relations.Peer
	// Bootstrapped says a cluster exists (leader settings' cluster, which
	// layer-etcd sets too); Members is then etcd's member list, nil when
	// it could not be read.
	Bootstrapped bool
	Members      []etcd.Member
}

// DecidePeerName returns the peer name every member's etcd must allow on
// its peer port, "" for none. The boundary goes up only once every member
// can pass it: every announced unit publishes that its served certificate
// carries the name, and every etcd member is one of those units (a member
// still run by layer-etcd, which requests no such name, or any member no
// unit accounts for, keeps it down). It is then never taken down: every
// unit of this charm requests the name before it announces itself, so a
// unit that joins later carries it from its first start. Turning it on
// changes etcd.conf.yml, which members restart into one at a time under
// the restart lock.
func DecidePeerName(v PeerBoundaryView) string {
	if v.Want == "" || v.Current == v.Want {
		return v.Current
	}
	names := map[string]bool{}
	urls := map[string]bool{}
	for _, p := range v.Peers {
		if p.State == "" && p.PeerName == "" {
			// Not announced: a unit of this charm still without
			// certificates, or a layer-etcd unit (judged by its member).
			continue
		}
		if p.PeerName != v.Want {
			return v.Current
		}
		names[p.Name] = true
		urls[p.PeerURL] = true
	}
	if len(names) == 0 {
		return v.Current
	}
	if v.Bootstrapped {
		if v.Members == nil {
			return v.Current
		}
		for _, m := range v.Members {
			if (m.Name == "" || !names[m.Name]) && !slices.ContainsFunc(m.PeerURLs, func(u string) bool { return urls[u] }) {
				return v.Current
			}
		}
	}
	return v.Want
}
