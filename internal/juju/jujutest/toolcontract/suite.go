package toolcontract

import (
	"context"
	"errors"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// NewEnv arranges the fixture on a fresh backend; leader says whether Unit
// is the application's leader.
type NewEnv func(t *testing.T, leader bool) Env

// Run runs every case of the contract against the backend newEnv makes.
func Run(t *testing.T, newEnv NewEnv) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, &suite{t: t, env: newEnv(t, !c.follower), ctx: context.Background()})
		})
	}
}

type testCase struct {
	name     string
	follower bool // run on a non-leader unit
	run      func(t *testing.T, s *suite)
}

// suite holds one case's backend.
type suite struct {
	t   *testing.T
	env Env
	ctx context.Context
}

// hook runs fn as a hook that succeeds unless fn fails the test.
func (s *suite) hook(fn func(juju.Tools)) {
	s.env.Hook(s.t, nil, func(tools juju.Tools) error { fn(tools); return nil })
}

// ids returns the peer and db relation ids.
func (s *suite) ids(tools juju.Tools) (peer, db string) {
	s.t.Helper()
	p, err := tools.RelationIDs(s.ctx, PeerEndpoint)
	if err != nil || len(p) != 1 {
		s.t.Fatalf("relation-ids %s = %v, %v", PeerEndpoint, p, err)
	}
	d, err := tools.RelationIDs(s.ctx, DBEndpoint)
	if err != nil || len(d) != 1 {
		s.t.Fatalf("relation-ids %s = %v, %v", DBEndpoint, d, err)
	}
	return p[0], d[0]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// toolErr checks err is a *juju.ToolError with code and message (the
// stderr text after "ERROR ").
func toolErr(t *testing.T, what string, err error, code int, message string) {
	t.Helper()
	var te *juju.ToolError
	if !errors.As(err, &te) {
		t.Errorf("%s: error %v, want a tool error", what, err)
		return
	}
	if te.Code != code || te.Message() != message {
		t.Errorf("%s: exit %d %q, want exit %d %q", what, te.Code, te.Message(), code, message)
	}
}

// has checks that got holds every key of want with its value.
func has(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s[%q] = %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

func lacks(t *testing.T, what string, got map[string]string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := got[k]; ok {
			t.Errorf("%s has %q = %q, want none (all: %v)", what, k, got[k], got)
		}
	}
}

var errFail = errors.New("the hook fails")

var cases = []testCase{{
	name: "relation ids and members",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			peer, db := s.ids(tools)
			if !strings.HasPrefix(peer, PeerEndpoint+":") || !strings.HasPrefix(db, DBEndpoint+":") {
				t.Errorf("ids %q %q", peer, db)
			}
			if ids, err := tools.RelationIDs(s.ctx, "nope"); err != nil || len(ids) != 0 {
				t.Errorf("relation-ids of an unknown endpoint = %v, %v", ids, err)
			}
			for id, want := range map[string][]string{peer: {Peer}, db: {RemoteUnit}} {
				if got, err := tools.RelationList(s.ctx, id); err != nil || !slices.Equal(got, want) {
					t.Errorf("relation-list %s = %v, %v; want %v", id, got, err, want)
				}
			}
			for id, want := range map[string]string{peer: App, db: RemoteApp} {
				if got, err := tools.RelationRemoteApp(s.ctx, id); err != nil || got != want {
					t.Errorf("relation-list --app %s = %q, %v; want %q", id, got, err, want)
				}
			}
		})
	},
}, {
	name: "relation-get reads remote and own bags",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			peer, db := s.ids(tools)
			get := func(id, name string, app bool) map[string]string {
				t.Helper()
				bag, err := tools.RelationGet(s.ctx, id, name, app)
				must(t, err)
				return bag
			}
			has(t, "remote unit bag", get(db, RemoteUnit, false), RemoteBag)
			has(t, "remote app bag", get(db, RemoteApp, true), RemoteAppBag)
			has(t, "peer bag", get(peer, Peer, false), PeerBag)
			has(t, "own app bag (peer)", get(peer, App, true), PeerAppBag)
			own := map[string]string{"private-address": Address, "ingress-address": Address, "egress-subnets": Address + "/32"}
			has(t, "own unit bag", get(db, Unit, false), own)
			_, err := tools.RelationGet(s.ctx, db, "other/0", false)
			toolErr(t, "relation-get of a unit not in the relation", err, 1, "permission denied")
		})
	},
}, {
	name: "remote data is read once per hook",
	run: func(t *testing.T, s *suite) {
		var db string
		s.hook(func(tools juju.Tools) {
			_, db = s.ids(tools)
			first, err := tools.RelationGet(s.ctx, db, RemoteUnit, false)
			must(t, err)
			s.env.CommitRemote(t, map[string]string{"want": "more"})
			again, err := tools.RelationGet(s.ctx, db, RemoteUnit, false)
			must(t, err)
			if again["want"] != first["want"] {
				t.Errorf("remote bag changed within the hook: %v then %v", first, again)
			}
		})
		s.hook(func(tools juju.Tools) {
			bag, err := tools.RelationGet(s.ctx, db, RemoteUnit, false)
			must(t, err)
			has(t, "remote bag in the next hook", bag, map[string]string{"want": "more"})
		})
	},
}, {
	name: "a relation this unit is not in",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			const gone = "db:99"
			want := `invalid value "db:99" for flag -r: relation not found`
			_, err := tools.RelationGet(s.ctx, gone, RemoteUnit, false)
			toolErr(t, "relation-get", err, 2, want)
			if !juju.IsRelationNotFound(err) {
				t.Errorf("IsRelationNotFound(%v) = false", err)
			}
			_, err = tools.RelationList(s.ctx, gone)
			toolErr(t, "relation-list", err, 2, want)
			toolErr(t, "relation-set", tools.RelationSet(s.ctx, gone, false, map[string]string{"k": "v"}), 2, want)
		})
	},
}, {
	name: "relation-set is buffered until the hook commits",
	run: func(t *testing.T, s *suite) {
		var db string
		s.hook(func(tools juju.Tools) {
			_, db = s.ids(tools)
			must(t, tools.RelationSet(s.ctx, db, false, map[string]string{"k": "v", "private-address": ""}))
			own, err := tools.RelationGet(s.ctx, db, Unit, false)
			must(t, err)
			has(t, "own bag in the hook", own, map[string]string{"k": "v"})
			lacks(t, "own bag in the hook", own, "private-address")
			lacks(t, "committed bag mid-hook", s.env.Observe(t).UnitBags[db], "k")
		})
		got := s.env.Observe(t).UnitBags[db]
		has(t, "committed bag", got, map[string]string{"k": "v"})
		lacks(t, "committed bag", got, "private-address")
	},
}, {
	name: "the leader writes app data, buffered",
	run: func(t *testing.T, s *suite) {
		var db string
		s.hook(func(tools juju.Tools) {
			_, db = s.ids(tools)
			must(t, tools.RelationSet(s.ctx, db, true, map[string]string{"a": "b"}))
			app, err := tools.RelationGet(s.ctx, db, App, true)
			must(t, err)
			has(t, "own app bag in the hook", app, map[string]string{"a": "b"})
			lacks(t, "committed app bag mid-hook", s.env.Observe(t).AppBags[db], "a")
		})
		has(t, "committed app bag", s.env.Observe(t).AppBags[db], map[string]string{"a": "b"})
	},
}, {
	name:     "a non-leader may not touch app data but its peers'",
	follower: true,
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			peer, db := s.ids(tools)
			toolErr(t, "relation-set --app", tools.RelationSet(s.ctx, db, true, map[string]string{"a": "b"}), 1, "cannot write relation settings")
			_, err := tools.RelationGet(s.ctx, db, App, true)
			toolErr(t, "relation-get --app of the own app (not peers)", err, 1, "permission denied")
			bag, err := tools.RelationGet(s.ctx, peer, App, true)
			must(t, err)
			has(t, "own app bag of the peer relation", bag, PeerAppBag)
		})
	},
}, {
	name: "a failed hook's buffered writes are discarded, immediate ones stay",
	run: func(t *testing.T, s *suite) {
		var db string
		s.env.Hook(t, nil, func(tools juju.Tools) error {
			_, db = s.ids(tools)
			must(t, tools.RelationSet(s.ctx, db, false, map[string]string{"k": "v"}))
			must(t, tools.RelationSet(s.ctx, db, true, map[string]string{"a": "b"}))
			must(t, tools.StateSet(s.ctx, map[string]string{"memo": "m1"}))
			must(t, tools.StateDelete(s.ctx, "memo"))
			must(t, tools.OpenPort(s.ctx, "2379/tcp"))
			must(t, tools.ClosePort(s.ctx, "2380/tcp"))
			must(t, tools.StatusSet(s.ctx, juju.Status{Name: juju.StatusMaintenance, Message: "working"}, false))
			must(t, tools.LeaderSet(s.ctx, map[string]string{"lk": "lv"}))
			must(t, tools.ApplicationVersionSet(s.ctx, "3.6.16"))
			must(t, tools.Log(s.ctx, "WARNING", "about to fail"))
			return errFail
		})
		o := s.env.Observe(t)
		lacks(t, "unit bag after a failed hook", o.UnitBags[db], "k")
		lacks(t, "app bag after a failed hook", o.AppBags[db], "a")
		if !maps.Equal(o.State, State) || !slices.Equal(o.Ports, Ports) {
			t.Errorf("after a failed hook: state %v ports %v, want %v %v", o.State, o.Ports, State, Ports)
		}
		if want := (juju.Status{Name: juju.StatusMaintenance, Message: "working"}); o.Status != want {
			t.Errorf("status %+v, want %+v", o.Status, want)
		}
		if o.LeaderData["lk"] != "lv" || o.Version != "3.6.16" || !slices.Contains(o.Logs, "WARNING: about to fail") {
			t.Errorf("immediate writes lost: leader %v version %q logs %v", o.LeaderData, o.Version, o.Logs)
		}
	},
}, {
	name: "config-get types values as Juju does",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			cfg, err := tools.ConfigGet(s.ctx)
			must(t, err)
			if !reflect.DeepEqual(cfg, Config) {
				t.Errorf("config-get = %#v, want %#v", cfg, Config)
			}
		})
	},
}, {
	name: "leader settings are written at once by the leader",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			if ok, err := tools.IsLeader(s.ctx); err != nil || !ok {
				t.Errorf("is-leader = %v, %v", ok, err)
			}
			got, err := tools.LeaderGet(s.ctx)
			must(t, err)
			if !maps.Equal(got, LeaderData) {
				t.Errorf("leader-get = %v, want %v", got, LeaderData)
			}
			must(t, tools.LeaderSet(s.ctx, map[string]string{"token": "T1", "cluster": ""}))
			if o := s.env.Observe(t).LeaderData; !maps.Equal(o, map[string]string{"token": "T1"}) {
				t.Errorf("leader settings mid-hook = %v, want written at once", o)
			}
		})
	},
}, {
	name:     "a non-leader reads leader settings and may not write them",
	follower: true,
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			if ok, err := tools.IsLeader(s.ctx); err != nil || ok {
				t.Errorf("is-leader = %v, %v", ok, err)
			}
			got, err := tools.LeaderGet(s.ctx)
			must(t, err)
			if !maps.Equal(got, LeaderData) {
				t.Errorf("leader-get = %v, want %v", got, LeaderData)
			}
			toolErr(t, "leader-set", tools.LeaderSet(s.ctx, map[string]string{"k": "v"}), 1,
				"cannot write leadership settings: cannot write settings: not the leader")
			toolErr(t, "status-set --application", tools.StatusSet(s.ctx, juju.Status{Name: juju.StatusActive}, true), 1,
				"this unit is not the leader")
		})
	},
}, {
	name: "charm state is buffered and read back in the hook",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			got, err := tools.StateGet(s.ctx)
			must(t, err)
			if !maps.Equal(got, State) {
				t.Errorf("state-get = %v, want %v", got, State)
			}
			must(t, tools.StateSet(s.ctx, map[string]string{"a": "1", "empty": ""}))
			must(t, tools.StateDelete(s.ctx, "memo"))
			must(t, tools.StateDelete(s.ctx, "never-set"))
			want := map[string]string{"a": "1", "empty": ""}
			if got, err := tools.StateGet(s.ctx); err != nil || !maps.Equal(got, want) {
				t.Errorf("state-get in the hook = %v, %v; want %v", got, err, want)
			}
			if o := s.env.Observe(t).State; !maps.Equal(o, State) {
				t.Errorf("committed state mid-hook = %v", o)
			}
		})
		if o := s.env.Observe(t).State; !maps.Equal(o, map[string]string{"a": "1", "empty": ""}) {
			t.Errorf("committed state = %v", o)
		}
	},
}, {
	name: "ports are buffered; opened-ports lists committed ranges",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			if got, err := tools.OpenedPorts(s.ctx); err != nil || !slices.Equal(got, Ports) {
				t.Errorf("opened-ports = %v, %v; want %v", got, err, Ports)
			}
			must(t, tools.OpenPort(s.ctx, "2379/tcp"))
			must(t, tools.OpenPort(s.ctx, "53/udp"))
			must(t, tools.ClosePort(s.ctx, "53/udp"))
			must(t, tools.ClosePort(s.ctx, "2380/tcp"))
			if got, err := tools.OpenedPorts(s.ctx); err != nil || !slices.Equal(got, Ports) {
				t.Errorf("opened-ports with pending changes = %v, %v; want the committed %v", got, err, Ports)
			}
			toolErr(t, "open-port foo", tools.OpenPort(s.ctx, "foo"), 2, `invalid port "foo": strconv.Atoi: parsing "foo": invalid syntax`)
			toolErr(t, "open-port 80/sctp", tools.OpenPort(s.ctx, "80/sctp"), 2, `invalid protocol "sctp", expected "tcp", "udp", or "icmp"`)
		})
		if o := s.env.Observe(t).Ports; !slices.Equal(o, []string{"2379/tcp"}) {
			t.Errorf("committed ports = %v, want [2379/tcp]", o)
		}
	},
}, {
	name: "status is set at once",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			st := juju.Status{Name: juju.StatusActive, Message: "Healthy with 2 known peers"}
			must(t, tools.StatusSet(s.ctx, st, false))
			app := juju.Status{Name: juju.StatusBlocked, Message: "one unit is blocked"}
			must(t, tools.StatusSet(s.ctx, app, true))
			o := s.env.Observe(t)
			if o.Status != st || o.AppStatus != app {
				t.Errorf("mid-hook status %+v app %+v, want %+v %+v", o.Status, o.AppStatus, st, app)
			}
			must(t, tools.ApplicationVersionSet(s.ctx, "3.5.21"))
			if v := s.env.Observe(t).Version; v != "3.5.21" {
				t.Errorf("version = %q", v)
			}
		})
	},
}, {
	name: "network-get",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			_, db := s.ids(tools)
			want := juju.Network{BindAddresses: []string{Address}, IngressAddresses: []string{Address}, EgressSubnets: []string{Address + "/32"}}
			for _, rel := range []string{"", db} {
				got, err := tools.NetworkGet(s.ctx, PeerEndpoint, rel)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("network-get %s -r %q = %+v, %v; want %+v", PeerEndpoint, rel, got, err, want)
				}
			}
			_, err := tools.NetworkGet(s.ctx, "nope", "")
			toolErr(t, "network-get nope", err, 1, `no network config found for binding "nope"`)
		})
	},
}, {
	name: "resource-get",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			path, err := tools.ResourceGet(s.ctx, "etcd")
			must(t, err)
			if b, err := os.ReadFile(path); err != nil || string(b) != ResourceContent {
				t.Errorf("resource at %q = %q, %v", path, b, err)
			}
			_, err = tools.ResourceGet(s.ctx, "core")
			toolErr(t, "resource-get of a resource without blob", err, 1, "could not download resource: resource#etcd/core not found")
		})
	},
}, {
	name: "storage-list and storage-get",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			for _, name := range []string{"", "data"} {
				if ids, err := tools.StorageList(s.ctx, name); err != nil || !slices.Equal(ids, []string{"data/0"}) {
					t.Errorf("storage-list %q = %v, %v", name, ids, err)
				}
			}
			if ids, err := tools.StorageList(s.ctx, "logs"); err != nil || len(ids) != 0 {
				t.Errorf("storage-list logs = %v, %v", ids, err)
			}
			st, err := tools.StorageGet(s.ctx, "data/0")
			if err != nil || st != (juju.Storage{Kind: "filesystem", Location: StorageLocation}) {
				t.Errorf("storage-get = %+v, %v", st, err)
			}
			_, err = tools.StorageGet(s.ctx, "data/7")
			toolErr(t, "storage-get of an unknown instance", err, 2, `invalid value "data/7" for flag -s: storage "data/7" not found`)
		})
	},
}, {
	name: "action tools",
	run: func(t *testing.T, s *suite) {
		s.env.Hook(t, ActionParams, func(tools juju.Tools) error {
			got, err := tools.ActionGet(s.ctx)
			must(t, err)
			if !reflect.DeepEqual(got, ActionParams) {
				t.Errorf("action-get = %#v, want %#v", got, ActionParams)
			}
			must(t, tools.ActionSet(s.ctx, map[string]string{"result": "ok", "snapshot.path": "/x"}))
			must(t, tools.ActionLog(s.ctx, "halfway"))
			must(t, tools.ActionFail(s.ctx, "cluster is unhealthy"))
			return nil
		})
		o := s.env.Observe(t)
		if want := map[string]string{"result": "ok", "snapshot.path": "/x"}; !maps.Equal(o.ActionResults, want) {
			t.Errorf("results = %v, want %v", o.ActionResults, want)
		}
		if o.ActionFailed != "cluster is unhealthy" || !slices.Equal(o.ActionLogs, []string{"halfway"}) {
			t.Errorf("failed %q logs %v", o.ActionFailed, o.ActionLogs)
		}
	},
}, {
	name: "action tools in a hook fail",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			_, err := tools.ActionGet(s.ctx)
			toolErr(t, "action-get", err, 1, "not running an action")
			toolErr(t, "action-set", tools.ActionSet(s.ctx, map[string]string{"k": "v"}), 1, "not running an action")
			toolErr(t, "action-fail", tools.ActionFail(s.ctx, "x"), 1, "not running an action")
			toolErr(t, "action-log", tools.ActionLog(s.ctx, "x"), 1, "not running an action")
		})
	},
}, {
	name: "juju-log",
	run: func(t *testing.T, s *suite) {
		s.hook(func(tools juju.Tools) {
			must(t, tools.Log(s.ctx, "INFO", "hello there"))
			must(t, tools.Log(s.ctx, "DEBUG", "-starts with a dash"))
		})
		if o := s.env.Observe(t).Logs; !slices.Equal(o, []string{"INFO: hello there", "DEBUG: -starts with a dash"}) {
			t.Errorf("logs = %q", o)
		}
	},
}}
