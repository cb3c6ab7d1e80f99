package snapd

import (
	"reflect"
	"strings"
	"testing"

	"github.com/snapcore/snapd/client"
)

func TestConf(t *testing.T) {
	_, cli := withEtcd35(t)
	id, err := cli.SetConf("core", map[string]any{"refresh.timer": "fri5"})
	chg := mustDone(t, cli, id, err)
	if chg.Kind != "configure-snap" || chg.Summary != `Change configuration of "core" snap` ||
		chg.Tasks[0].Summary != `Run configure hook of "core" snap` {
		t.Fatalf("change %s %q %q", chg.Kind, chg.Summary, chg.Tasks[0].Summary)
	}

	tests := []struct {
		name string
		snap string
		keys []string
		want map[string]any
	}{
		{"key as asked", "core", []string{"refresh.timer"}, map[string]any{"refresh.timer": "fri5"}},
		{"parent key nests", "core", []string{"refresh"}, map[string]any{"refresh": map[string]any{"timer": "fri5"}}},
		{"system is core", "system", []string{"refresh.timer"}, map[string]any{"refresh.timer": "fri5"}},
		{"no keys: whole document", "core", nil, map[string]any{"refresh": map[string]any{"timer": "fri5"}}},
		{"etcd has none", "etcd", nil, map[string]any{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cli.Conf(tc.snap, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	failing := []struct {
		name  string
		snap  string
		patch map[string]any
		err   string
	}{
		{"bad timer", "core", map[string]any{"refresh.timer": "someday"},
			"cannot perform the following tasks:\n- Run configure hook of \"core\" snap (cannot parse \"someday\": \"someday\" is not a valid weekday)"},
		{"managed", "core", map[string]any{"refresh.timer": "managed"},
			"cannot perform the following tasks:\n- Run configure hook of \"core\" snap (cannot set schedule to managed)"},
		{"retain", "core", map[string]any{"refresh.retain": 50},
			"cannot perform the following tasks:\n- Run configure hook of \"core\" snap (retain must be a number between 2 and 20, not \"50\")"},
		{"etcd has no configure hook", "etcd", map[string]any{"a": "b"},
			"cannot perform the following tasks:\n- Run configure hook of \"etcd\" snap (snap \"etcd\" has no \"configure\" hook)"},
	}
	for _, tc := range failing {
		t.Run(tc.name, func(t *testing.T) {
			id, err := cli.SetConf(tc.snap, tc.patch)
			if err != nil {
				t.Fatal(err)
			}
			chg, _ := waitChange(t, cli, id)
			if chg.Status != "Error" || chg.Err != tc.err {
				t.Fatalf("status %s err %q, want Error %q", chg.Status, chg.Err, tc.err)
			}
		})
	}
	// Nothing of the failed patches was stored.
	got, err := cli.Conf("core", nil)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"refresh": map[string]any{"timer": "fri5"}}) {
		t.Fatalf("after failures: %v %v", got, err)
	}
	if _, err := cli.Conf("etcd", []string{"a"}); err == nil || clientErr(t, err).Kind != client.ErrorKindConfigNoSuchOption {
		t.Fatalf("etcd option stored: %v", err)
	}
	// An empty patch on etcd is fine: no hook to run.
	id, err = cli.SetConf("etcd", map[string]any{})
	mustDone(t, cli, id, err)

	// null unsets.
	id, err = cli.SetConf("core", map[string]any{"refresh.timer": nil})
	mustDone(t, cli, id, err)
	_, err = cli.Conf("core", []string{"refresh.timer"})
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindConfigNoSuchOption {
		t.Fatalf("%+v", ce)
	}
	info, err := cli.SysInfo()
	if err != nil || info.Refresh.Timer != "00:00~24:00/4" {
		t.Fatalf("sysinfo: %+v %v", info, err)
	}
}

func TestConfBadBody(t *testing.T) {
	d, _ := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	rep := d.route(mustRequest(t, "PUT", "/v2/snaps/core/conf", `["not","an","object"]`, ""))
	if rep.err == nil || rep.err.status != 400 || !strings.HasPrefix(rep.err.Message, "cannot decode request body into patch values:") {
		t.Fatalf("%+v", rep.err)
	}
}
