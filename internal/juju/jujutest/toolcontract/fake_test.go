package toolcontract_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	tc "github.com/etcd-charm/etcd-charm/internal/juju/jujutest/toolcontract"
)

// The fake keeps the contract.
func TestFake(t *testing.T) {
	tc.Run(t, newFake)
}

type fakeEnv struct{ tools *jujutest.Tools }

func newFake(t *testing.T, leader bool) tc.Env {
	tools := jujutest.New(tc.Unit)
	tools.Leader = leader
	// Juju's EnterScope writes the unit's addresses into its bags.
	own := map[string]string{"private-address": tc.Address, "ingress-address": tc.Address, "egress-subnets": tc.Address + "/32"}
	peer := tools.AddRelation(tc.PeerEndpoint+":0", tc.App)
	peer.Units[tc.Peer] = maps.Clone(tc.PeerBag)
	peer.LocalAppData = maps.Clone(tc.PeerAppBag)
	peer.LocalUnitData = maps.Clone(own)
	db := tools.AddRelation(tc.DBEndpoint+":1", tc.RemoteApp)
	db.Units[tc.RemoteUnit] = maps.Clone(tc.RemoteBag)
	db.AppData = maps.Clone(tc.RemoteAppBag)
	db.LocalUnitData = maps.Clone(own)
	tools.Config = maps.Clone(tc.Config)
	tools.LeaderData = maps.Clone(tc.LeaderData)
	tools.State = maps.Clone(tc.State)
	tools.Ports = slices.Clone(tc.Ports)
	net := juju.Network{BindAddresses: []string{tc.Address}, IngressAddresses: []string{tc.Address}, EgressSubnets: []string{tc.Address + "/32"}}
	tools.Network[tc.PeerEndpoint] = net
	tools.Network[tc.DBEndpoint] = net
	res := filepath.Join(t.TempDir(), "etcd.snap")
	if err := os.WriteFile(res, []byte(tc.ResourceContent), 0o644); err != nil {
		t.Fatal(err)
	}
	tools.Resources["etcd"] = res
	tools.Storage["data/0"] = juju.Storage{Kind: "filesystem", Location: tc.StorageLocation}
	return &fakeEnv{tools}
}

func (e *fakeEnv) Hook(t *testing.T, params map[string]any, fn func(juju.Tools) error) {
	e.tools.ActionParams = maps.Clone(params)
	_ = e.tools.Hook(func() error { return fn(e.tools) })
}

func (e *fakeEnv) Observe(*testing.T) tc.Observed {
	o := tc.Observed{
		UnitBags: map[string]map[string]string{}, AppBags: map[string]map[string]string{},
		State: maps.Clone(e.tools.State), Ports: slices.Clone(e.tools.Ports),
		Status: e.tools.Status, AppStatus: e.tools.AppStatus, Version: e.tools.Version,
		LeaderData: maps.Clone(e.tools.LeaderData), Logs: slices.Clone(e.tools.Logs),
		ActionResults: maps.Clone(e.tools.ActionResults), ActionFailed: e.tools.ActionFailed,
		ActionLogs: slices.Clone(e.tools.ActionLogs),
	}
	for id, r := range e.tools.Relations {
		o.UnitBags[id] = maps.Clone(r.LocalUnitData)
		o.AppBags[id] = maps.Clone(r.LocalAppData)
	}
	return o
}

// CommitRemote writes the remote unit's committed bag directly: the fake's
// remote bags are the test's to arrange.
func (e *fakeEnv) CommitRemote(_ *testing.T, settings map[string]string) {
	maps.Copy(e.tools.Relations[tc.DBEndpoint+":1"].Units[tc.RemoteUnit], settings)
}
