package jujuc_test

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
)

// scenario builds the named fixture the golden files run against:
//
//	hook        etcd/0, leader, in config-changed (no relation, no action)
//	follower    the same unit, not the leader
//	relhook     hook, in db-relation-changed for remote unit etcd-client/0
//	apphook     hook, in an application-level db-relation-changed
//	action      hook, running an action with params
//	storagehook hook, in data-storage-attached for data/0
//	empty       a bare unit: no relations, config, ports, state
func scenario(t testing.TB, name string) *jujuctest.Context {
	t.Helper()
	if name == "empty" {
		return jujuctest.New("etcd/0")
	}
	c := jujuctest.New("etcd/0")
	c.Leader = true
	c.Config = map[string]any{
		"port":         int64(2379),
		"ratio":        1.5,
		"whole":        float64(1),
		"debug":        false,
		"name":         "etcd",
		"version":      "3.5",
		"html":         "<a&b>",
		"empty":        "",
		"multi":        "l1\nl2",
		"snapshot-dir": nil,
	}

	peers := c.AddRelation(0, "cluster", "etcd", true, "etcd/2", "etcd/1")
	peers.Units["etcd/0"] = map[string]string{
		"private-address": "10.0.0.10", "ingress-address": "10.0.0.10", "egress-subnets": "10.0.0.10/32",
	}
	peers.Units["etcd/1"] = map[string]string{"private-address": "10.0.0.11"}
	peers.Apps["etcd"] = map[string]string{"token": "abc"}

	db := c.AddRelation(1, "db", "etcd-client", false, "etcd-client/0")
	db.Units["etcd-client/0"] = map[string]string{
		"private-address": "10.0.0.20",
		"port":            "3",
		"flag":            "true",
		"yes":             "yes",
		"colon":           "a: b",
		"multi":           "x\ny",
		"html":            "<b>&",
	}
	db.Apps["etcd-client"] = map[string]string{"endpoints": "http://10.0.0.20:2379"}
	c.AddRelation(10, "db", "other", false)
	c.AddRelation(2, "db", "third", false, "third/0")

	c.Status = jujuc.Status{Status: "active", Message: "ready"}
	c.AppStatus = jujuc.Status{Status: "active", Message: "all good"}
	c.UnitStatuses["etcd/0"] = c.Status
	c.UnitStatuses["etcd/1"] = jujuc.Status{Status: "waiting", Message: "joining", Data: map[string]any{"step": 2}}

	c.Leadership = map[string]string{"cluster-token": "tok", "n": "3"}

	c.Ports = []jujuc.PortRange{
		{From: 2379, To: 2379, Protocol: "tcp"},
		{From: 2380, To: 2380, Protocol: "tcp", Endpoints: []string{"cluster"}},
		{From: 8000, To: 8080, Protocol: "udp"},
		{Protocol: "icmp"},
		{From: 2379, To: 2379, Protocol: "tcp", Endpoints: []string{"db"}},
		{From: 80, To: 80, Protocol: "tcp", Endpoints: []string{"db", "cluster"}},
	}
	c.PortsTaken["other/0"] = []jujuc.PortRange{{From: 9000, To: 9010, Protocol: "tcp"}}

	c.Private, c.Public = "10.0.0.10", "10.0.1.10"
	c.Networks["cluster"] = jujuc.NetworkInfo{
		BindAddresses: []jujuc.BindAddress{{
			MACAddress:    "00:16:3e:aa:bb:cc",
			InterfaceName: "eth0",
			Addresses:     []jujuc.InterfaceAddress{{Value: "10.0.0.10", CIDR: "10.0.0.0/24"}},
		}},
		EgressSubnets:    []string{"10.0.0.10/32"},
		IngressAddresses: []string{"10.0.0.10"},
	}
	c.Networks["unbound"] = jujuc.NetworkInfo{}

	c.Resources["snapshot"] = "/var/lib/juju/agents/unit-etcd-0/resources/snapshot/snapshot.tar.gz"
	c.Storages["data/0"] = jujuc.StorageInstance{ID: "data/0", Kind: "filesystem", Location: "/srv/data"}
	c.Storages["data/1"] = jujuc.StorageInstance{ID: "data/1", Kind: "filesystem", Location: "/srv/data1"}
	c.Storages["cache/0"] = jujuc.StorageInstance{ID: "cache/0", Kind: "block", Location: "/dev/vdb"}

	c.State = map[string]string{"phase": "started", "count": "3"}

	switch name {
	case "hook":
	case "follower":
		c.Leader = false
	case "relhook":
		c.HookRelID, c.RemoteUnit, c.RemoteApp = 1, "etcd-client/0", "etcd-client"
	case "apphook":
		c.HookRelID, c.RemoteApp = 1, "etcd-client"
	case "action":
		c.Action = &jujuctest.Action{Params: map[string]any{
			"backup-dir": "/tmp/b",
			"count":      float64(3),
			"force":      true,
			"keys":       map[string]any{"a": map[string]any{"b": "deep"}},
		}}
	case "storagehook":
		c.HookStorage = "data/0"
	default:
		t.Fatalf("unknown scenario %q", name)
	}
	return c
}
