// Command tlsrequirer is a minimal tls-certificates requirer, a test charm
// for the easyrsa integration test: every hook requests one server
// certificate for the unit's ingress address, 127.0.0.1 and the extra-sans
// config option, as the etcd charm does, plus one cert_requests entry per
// extra-cns name (the newer form), and is active once the provider has
// answered all; the get-cert action reports the answers.
package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/dispatch"
)

const endpoint = "certificates"

type requirer struct{ tools juju.Tools }

// answer finds the provider bag with the CA and this unit's certificate.
func (r *requirer) answer(ctx context.Context, id, unit string) (map[string]string, error) {
	units, err := r.tools.RelationList(ctx, id)
	if err != nil {
		return nil, err
	}
	munged := strings.ReplaceAll(unit, "/", "_")
	for _, u := range units {
		bag, err := r.tools.RelationGet(ctx, id, u, false)
		if err != nil {
			return nil, err
		}
		if bag["ca"] != "" && bag[munged+".server.cert"] != "" {
			return bag, nil
		}
	}
	return nil, nil
}

func (r *requirer) handle(ctx context.Context, ev juju.Event) error {
	ids, err := r.tools.RelationIDs(ctx, endpoint)
	if err != nil {
		return err
	}
	if len(ids) == 0 || (ev.RelationHook() == "broken" && ids[0] == ev.RelationID) {
		if ev.Kind == juju.ActionKind {
			return juju.Failf("no certificates relation")
		}
		return juju.Blocked("Missing certificates relation")
	}
	id := ids[0]
	if ev.Kind == juju.ActionKind {
		bag, err := r.answer(ctx, id, ev.Unit)
		if err != nil {
			return err
		}
		if bag == nil {
			return juju.Failf("no certificate yet")
		}
		munged := strings.ReplaceAll(ev.Unit, "/", "_")
		res := map[string]string{"ca": bag["ca"], "cert": bag[munged+".server.cert"], "key": bag[munged+".server.key"]}
		if p := bag[munged+".processed_requests"]; p != "" {
			res["processed"] = p
		}
		return r.tools.ActionSet(ctx, res)
	}
	net, err := r.tools.NetworkGet(ctx, endpoint, id)
	if err != nil || len(net.IngressAddresses) == 0 {
		return juju.Waiting("Waiting for an ingress address (%v)", err)
	}
	cfg, err := r.tools.ConfigGet(ctx)
	if err != nil {
		return err
	}
	sans := []string{net.IngressAddresses[0], "127.0.0.1"}
	if extra, _ := cfg["extra-sans"].(string); extra != "" {
		sans = append(sans, strings.Split(extra, ",")...)
	}
	sansJSON, err := json.Marshal(sans)
	if err != nil {
		return err
	}
	requests := map[string]map[string][]string{}
	if cns, _ := cfg["extra-cns"].(string); cns != "" {
		for _, cn := range strings.Split(cns, ",") {
			requests[cn] = map[string][]string{"sans": {cn}}
		}
	}
	requestsJSON, err := json.Marshal(requests)
	if err != nil {
		return err
	}
	if len(requests) == 0 {
		requestsJSON = nil // "" deletes the key
	}
	munged := strings.ReplaceAll(ev.Unit, "/", "_")
	want := map[string]string{
		"unit_name": munged, "certificate_name": munged,
		"common_name": net.IngressAddresses[0], "sans": string(sansJSON),
		"cert_requests": string(requestsJSON),
	}
	own, err := r.tools.RelationGet(ctx, id, ev.Unit, false)
	if err != nil {
		return err
	}
	for k, v := range want {
		if old, ok := own[k]; old == v && (ok || v == "") {
			delete(want, k)
		}
	}
	if len(want) > 0 {
		if err := r.tools.RelationSet(ctx, id, false, want); err != nil {
			return err
		}
	}
	bag, err := r.answer(ctx, id, ev.Unit)
	if err != nil {
		return err
	}
	if bag == nil {
		return juju.Waiting("Waiting for a certificate")
	}
	if len(requests) > 0 {
		var processed map[string]json.RawMessage
		_ = json.Unmarshal([]byte(bag[munged+".processed_requests"]), &processed)
		for cn := range requests {
			if _, ok := processed[cn]; !ok {
				return juju.Waiting("Waiting for the certificate of %s", cn)
			}
		}
	}
	return r.tools.StatusSet(ctx, juju.Status{Name: juju.StatusActive, Message: "Certificate received"}, false)
}

func main() {
	os.Exit(dispatch.Main(func(tools *juju.ExecTools, _ string) juju.Handler {
		r := &requirer{tools}
		return r.handle
	}))
}
