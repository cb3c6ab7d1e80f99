// Command tlsrequirer is a minimal tls-certificates requirer, a test charm
// for the easyrsa integration test: every hook requests one server
// certificate for the unit's ingress address, 127.0.0.1 and the extra-sans
// config option, as the etcd charm does, and is active once the provider's
// answer is there; the get-cert action reports it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

const endpoint = "certificates"

type requirer struct{ tools juju.Tools }

// answer finds the CA and this unit's certificate in the provider's bags.
func (r *requirer) answer(ctx context.Context, id, unit string) (ca, cert, key string, err error) {
	units, err := r.tools.RelationList(ctx, id)
	if err != nil {
		return "", "", "", err
	}
	munged := strings.ReplaceAll(unit, "/", "_")
	for _, u := range units {
		bag, err := r.tools.RelationGet(ctx, id, u, false)
		if err != nil {
			return "", "", "", err
		}
		if bag["ca"] != "" && bag[munged+".server.cert"] != "" {
			return bag["ca"], bag[munged+".server.cert"], bag[munged+".server.key"], nil
		}
	}
	return "", "", "", nil
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
		ca, cert, key, err := r.answer(ctx, id, ev.Unit)
		if err != nil {
			return err
		}
		if cert == "" {
			return juju.Failf("no certificate yet")
		}
		return r.tools.ActionSet(ctx, map[string]string{"ca": ca, "cert": cert, "key": key})
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
	munged := strings.ReplaceAll(ev.Unit, "/", "_")
	want := map[string]string{
		"unit_name": munged, "certificate_name": munged,
		"common_name": net.IngressAddresses[0], "sans": string(sansJSON),
	}
	own, err := r.tools.RelationGet(ctx, id, ev.Unit, false)
	if err != nil {
		return err
	}
	for k, v := range want {
		if own[k] == v {
			delete(want, k)
		}
	}
	if len(want) > 0 {
		if err := r.tools.RelationSet(ctx, id, false, want); err != nil {
			return err
		}
	}
	_, cert, _, err := r.answer(ctx, id, ev.Unit)
	if err != nil {
		return err
	}
	if cert == "" {
		return juju.Waiting("Waiting for a certificate")
	}
	return r.tools.StatusSet(ctx, juju.Status{Name: juju.StatusActive, Message: "Certificate received"}, false)
}

func main() {
	ev, err := juju.ParseEvent(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(1)
	}
	tools := juju.NewExecTools()
	r := &requirer{tools}
	os.Exit(juju.Run(context.Background(), ev, tools, r.handle, os.Stderr))
}
