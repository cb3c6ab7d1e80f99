package integration

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tlsIdentity is a certificate, its key and the CA, as PEM.
type tlsIdentity struct{ name, cert, key, ca string }

// readIdentity reads PEM files off a unit's machine; dir and the file
// names are relative to its $SNAPPY_GLOBAL_ROOT.
func (m *model) readIdentity(unit, name, dir, cert, key, ca string) tlsIdentity {
	m.t.Helper()
	cat := func(f string) string {
		return m.must("exec", unit, "--", `cat "$SNAPPY_GLOBAL_ROOT/`+dir+"/"+f+`"`)
	}
	return tlsIdentity{name: name, cert: cat(cert), key: cat(key), ca: cat(ca)}
}

// peerGet does GET <peerURL>/members presenting id: the member list on
// success, else the error (a refused handshake).
func peerGet(peerURL string, id tlsIdentity) (string, error) {
	pair, err := tls.X509KeyPair([]byte(id.cert), []byte(id.key))
	if err != nil {
		return "", fmt.Errorf("bad test identity %s: %w", id.name, err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(id.ca))
	cl := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}},
			DisableKeepAlives: true,
		},
	}
	resp, err := cl.Get(peerURL + "/members")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	return string(body), nil
}

// peerURL is the peer URL unit's etcd advertises.
func (m *model) peerURL(unit string) string {
	m.t.Helper()
	out := m.must("exec", unit, "--", `sed -n 's/^initial-advertise-peer-urls: //p' "$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common/etcd.conf.yml"`)
	u := strings.TrimSpace(out)
	if !strings.HasPrefix(u, "https://") {
		m.t.Fatalf("%s advertises peer URL %q", unit, u)
	}
	return u
}

// waitBoundary waits until every unit of app runs with the peer boundary
// rendered (the leader raised it and each member restarted into it) and
// the model is active again.
func (m *model) waitBoundary(app string, timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		units, _ := m.units(app)
		up := 0
		for _, u := range units {
			out, _ := m.jujusim("exec", u, "--", `grep -c 'etcd-peer.invalid' "$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common/etcd.conf.yml"`)
			if strings.TrimSpace(out) == "1" {
				up++
			}
		}
		if len(units) > 0 && up == len(units) {
			break
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("peer boundary rendered on %d of %v after %v", up, units, timeout)
		}
		time.Sleep(2 * time.Second)
	}
	m.waitActive(time.Until(deadline) + time.Minute)
}

// The peer port accepts this application's members only: not the global
// client certificate every application of the CA shares (which the db
// relation hands out), and not another etcd application's certificates
// from the same easyrsa; the cluster stays healthy throughout. Run on 3.4,
// whose config file sets the check through PeerTLSInfo, and on 3.6, which
// reads allowed-hostname.
func TestPeerBoundary(t *testing.T) {
	for _, channel := range []string{"3.4/stable", "3.6/stable"} {
		t.Run(channel, func(t *testing.T) {
			m := newModel(t, seeds()[0])
			m.deployEtcd(3, "channel="+channel)
			m.deployClient()
			m.must("deploy", m.a.etcdCharm, "other", "-n", "1", "--config", "bind_to_all_interfaces=false", "--config", "channel="+channel)
			m.must("integrate", "other:certificates", "easyrsa:client")
			m.waitActive(5 * time.Minute)
			m.waitBoundary("etcd", 3*time.Minute)
			m.putViaClient("before", "probes")

			units, _ := m.units("etcd")
			const common = "var/snap/etcd/common"
			member := m.readIdentity(units[0], "this cluster's member certificate", common, "server.crt", "server.key", "ca.crt")
			refused := []tlsIdentity{
				m.readIdentity("etcd-client/0", "the db relation's client certificate", "root/cdk/etcd", "client-cert.pem", "client-key.pem", "client-ca.pem"),
				m.readIdentity("other/0", "the other application's server certificate", common, "server.crt", "server.key", "ca.crt"),
				m.readIdentity("other/0", "the other application's client certificate", common, "client.crt", "client.key", "ca.crt"),
			}
			// Raft, snapshots and the member list all come through the
			// peer port: a refused handshake is a refused join.
			for _, u := range units {
				peer := m.peerURL(u)
				// The control: a member of this application gets in, so a
				// refusal below is the boundary, not a broken port.
				if out, err := peerGet(peer, member); err != nil || !strings.Contains(out, "peerURLs") {
					t.Errorf("%s: GET /members with %s = %q, %v; want the member list", u, member.name, out, err)
				}
				for _, id := range refused {
					if out, err := peerGet(peer, id); err == nil {
						t.Errorf("%s: GET /members with %s answered %q; want the handshake refused", u, id.name, out)
					}
				}
			}
			m.putViaClient("after", "probes")
			m.checkCluster(3, map[string]string{"before": "probes", "after": "probes"})
		})
	}
}
