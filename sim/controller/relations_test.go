package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// integrate: every unit runs -created, then -joined → -changed for each
// remote unit, and an app-level -changed for the remote leader's app data;
// remove-relation: -departed for each remote unit (JUJU_DEPARTING_UNIT the
// remote unit), then -broken, and the relation is gone.
func TestIntegrateAndRemoveRelation(t *testing.T) {
	c := startController(t, 11)
	ch := testCharm(t)
	if err := c.Deploy(DeployArgs{Charm: ch, App: "a", NumUnits: 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Deploy(DeployArgs{Charm: ch, App: "b", NumUnits: 1}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	if err := c.Integrate("a", "b"); err == nil || !strings.HasPrefix(err.Error(), "ambiguous relation") {
		t.Fatalf("integrate a b: %v", err)
	}
	if err := c.Integrate("a:db", "b:backend"); err != nil {
		t.Fatal(err)
	}
	if err := c.Integrate("b:backend", "a:db"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate integrate: %v", err)
	}
	waitIdle(t, c, 60*time.Second)
	for _, u := range []string{"a/0", "a/1"} {
		evs := events(t, c, u)
		cr, j, chg := index(evs, "db-relation-created", ""), index(evs, "db-relation-joined", "b/0"), index(evs, "db-relation-changed", "b/0")
		if cr < 0 || j < 0 || chg < 0 || !(cr < j && j < chg) {
			t.Errorf("%s: want created < joined(b/0) < changed(b/0): %s", u, hooks(evs))
		}
		appChanged := false
		for _, e := range evs {
			if e.Hook == "db-relation-changed" && e.Env["JUJU_REMOTE_UNIT"] == "" && e.Env["JUJU_REMOTE_APP"] == "b" {
				appChanged = true
			}
		}
		if !appChanged {
			t.Errorf("%s: no app-level -changed for b's app data: %s", u, hooks(evs))
		}
	}
	evs := events(t, c, "b/0")
	for _, remote := range []string{"a/0", "a/1"} {
		if j, chg := index(evs, "backend-relation-joined", remote), index(evs, "backend-relation-changed", remote); j < 0 || chg < j {
			t.Errorf("b/0: joined/changed for %s: %s", remote, hooks(evs))
		}
	}
	var relID int
	c.Model(func(m *model.Model) {
		for id, r := range m.Relations {
			if !r.IsPeer() {
				relID = id
				if r.UnitSettings["a/0"].Data["private-address"] == "" || r.UnitSettings["a/0"].Data["node"] != "a/0" {
					t.Errorf("a/0 bag: %v", r.UnitSettings["a/0"].Data)
				}
			}
		}
	})

	if err := c.RemoveRelation("a:db", "b:backend"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "relation removed", func(m *model.Model) bool { return m.Relations[relID] == nil })
	waitIdle(t, c, 30*time.Second)
	evs = events(t, c, "a/1")
	d, b := index(evs, "db-relation-departed", "b/0"), index(evs, "db-relation-broken", "")
	if d < 0 || b < d || evs[d].Env["JUJU_DEPARTING_UNIT"] != "b/0" {
		t.Errorf("a/1: want departed(b/0) then broken: %s", hooks(evs))
	}
	evs = events(t, c, "b/0")
	if d, b := index(evs, "backend-relation-departed", "a/1"), index(evs, "backend-relation-broken", ""); d < 0 || b < d {
		t.Errorf("b/0: want departed then broken: %s", hooks(evs))
	}
}

// refresh and attach-resource run upgrade-charm then config-changed; the
// resource is readable with resource-get; storage is attached before
// install under the unit's root.
func TestUpgradeResourceStorage(t *testing.T) {
	c := startController(t, 12)
	ch := testCharm(t)
	res := filepath.Join(t.TempDir(), "payload.txt")
	if err := os.WriteFile(res, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1, Resources: map[string]string{"payload": res}}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, "testcharm/0")
	if i := index(evs, "data-storage-attached", ""); i != 0 || evs[i].Storage != evs[i].Env["SNAPPY_GLOBAL_ROOT"]+"/srv/testdata" {
		t.Errorf("storage: %s %+v", hooks(evs), evs[0])
	}
	ch2 := filepath.Join(t.TempDir(), "v2")
	if err := model.CopyTree(ch, ch2); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ch2, "marker"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(RefreshArgs{App: "testcharm", Path: ch2}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	if data, err := os.ReadFile(filepath.Join(evs[0].Env["JUJU_CHARM_DIR"], "marker")); err != nil || string(data) != "v2" {
		t.Errorf("unit's charm dir not upgraded: %q %v", data, err)
	}
	if err := os.WriteFile(res, []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.AttachResource("testcharm", "payload", res); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs = events(t, c, "testcharm/0")
	var seq []string
	var contents []string
	for _, e := range evs[index(evs, "start", "")+1:] {
		seq = append(seq, e.Hook)
		if e.Hook == "upgrade-charm" {
			contents = append(contents, e.Resource)
		}
	}
	if got := strings.Join(seq, " "); got != "upgrade-charm config-changed upgrade-charm config-changed" {
		t.Errorf("after start: %s", got)
	}
	if strings.Join(contents, ",") != "v1,v2" {
		t.Errorf("resource contents: %q", contents)
	}
	if err := c.AttachResource("testcharm", "nope", res); err == nil {
		t.Errorf("attach unknown resource: no error")
	}
}

// remove-application: its units tear down, the related units see
// -departed then -broken, and the application and relation disappear.
func TestRemoveApplication(t *testing.T) {
	c := startController(t, 13)
	ch := testCharm(t)
	for _, app := range []string{"a", "b"} {
		if err := c.Deploy(DeployArgs{Charm: ch, App: app, NumUnits: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Integrate("a:db", "b:backend"); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	if err := c.RemoveApplication("b"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "b removed", func(m *model.Model) bool {
		return m.Applications["b"] == nil && len(m.Relations) == 1
	})
	waitIdle(t, c, 30*time.Second)
	evs := events(t, c, "a/0")
	if d, b := index(evs, "db-relation-departed", "b/0"), index(evs, "db-relation-broken", ""); d < 0 || b < d {
		t.Errorf("a/0: want departed(b/0) then broken: %s", hooks(evs))
	}
	if _, ok := c.Status().Status.Applications["b"]; ok {
		t.Errorf("b still in status")
	}
	if err := c.RemoveApplication("b"); err == nil || err.Error() != `application "b" not found` {
		t.Errorf("second remove: %v", err)
	}
}

// A deploy that fails validation leaves nothing behind.
func TestDeployErrorsApplyNothing(t *testing.T) {
	c := startController(t, 14)
	ch := testCharm(t)
	for _, tc := range []struct {
		args DeployArgs
		err  string
	}{
		{DeployArgs{Charm: ch, NumUnits: 2, Config: map[string]string{"port": "abc"}}, `option "port" expected int, got "abc"`},
		{DeployArgs{Charm: ch, NumUnits: 1, Resources: map[string]string{"nope": "/dev/null"}}, `cannot deploy "testcharm": unrecognized resource "nope"`},
		{DeployArgs{Charm: ch, NumUnits: 1, Resources: map[string]string{"payload": "/nonexistent"}}, `cannot upload resource "payload": open /nonexistent: no such file or directory`},
		{DeployArgs{Charm: ch, App: "etcd-1", NumUnits: 1}, `invalid application name "etcd-1", unexpected number(s) found after last hyphen`},
	} {
		if err := c.Deploy(tc.args); err == nil || err.Error() != tc.err {
			t.Errorf("deploy: %v, want %q", err, tc.err)
		}
	}
	c.Model(func(m *model.Model) {
		if len(m.Applications)+len(m.Units)+len(m.Machines)+len(m.Relations) != 0 {
			t.Errorf("failed deploys left state: %d apps %d units %d machines %d relations", len(m.Applications), len(m.Units), len(m.Machines), len(m.Relations))
		}
	})
	if entries, _ := os.ReadDir(filepath.Join(c.cfg.Home, "charms")); len(entries) != 0 {
		t.Errorf("failed deploys left charms: %v", entries)
	}
	deploy(t, c, ch, 1, nil)
	if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1}); err == nil || err.Error() != `cannot add application "testcharm": application already exists` {
		t.Errorf("duplicate deploy: %v", err)
	}
}

// The test charm's probe action calls the remaining tools against the
// simulator's model: their answers reflect the unit's machine, ports,
// leader settings, storage and relations; writes in an action commit.
func TestToolsAgainstModel(t *testing.T) {
	c := startController(t, 15)
	deploy(t, c, testCharm(t), 2, nil)
	waitIdle(t, c, 60*time.Second)
	rr, err := c.Run(RunArgs{Unit: "testcharm/0", Action: "probe"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "probe", func(m *model.Model) bool {
		return m.Actions[rr.Task].Status != "pending" && m.Actions[rr.Task].Status != "running"
	})
	a, _ := c.Task(rr.Task)
	var addr string
	c.Model(func(m *model.Model) { addr = m.Machines[m.Units["testcharm/0"].Machine].Address })
	for key, want := range map[string]string{
		"unit-get":                 addr,
		"opened-ports":             `["8080/tcp"]`,
		"leader-get":               `{"leader":"testcharm/0"}`,
		"storage-list":             `["data/0"]`,
		"config-get":               "False",
		"relation-ids":             `["cluster:0"]`,
		"relation-list":            `["testcharm/1"]`,
		"relation-get-bad":         `ERROR invalid value "99" for flag -r: relation not found`,
		"relation-get-bad-code":    "2",
		"state-get":                `"1"`,
		"opened-ports-after-close": `["8080/tcp"]`, // close is buffered until the action ends
		"status-get":               `{"message":"ready","status":"active","status-data":{}}`,
	} {
		if got := a.Results[key]; got != want {
			t.Errorf("%s: got %q, want %q", key, got, want)
		}
	}
	if ng, _ := a.Results["network-get"].(string); !strings.Contains(ng, `"ingress-addresses":["`+addr+`"]`) {
		t.Errorf("network-get: %s", ng)
	}
	c.Model(func(m *model.Model) {
		u := m.Units["testcharm/0"]
		if len(u.Ports) != 0 || u.State["probe"] != "" {
			t.Errorf("action's close-port/state-delete not committed: %v %v", u.Ports, u.State)
		}
	})
}
