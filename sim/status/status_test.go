package status

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// The golden file is the spec's example layout (§8) with the column widths
// the stated tabwriter rules give (minwidth 0, padding 2, Scale and Rev
// right-aligned): written by hand, not produced by this code.
func TestTabularGolden(t *testing.T) {
	mach := func(id, addr string) Machine {
		return Machine{JujuStatus: Info{Current: "started"}, DNSName: addr, InstanceID: "juju-1a2b-" + id,
			MachineStatus: Info{Current: "running", Message: "Running"}, Base: Base{Name: "ubuntu", Channel: "22.04"}}
	}
	s := Status{
		Model:      ModelInfo{Name: "dev", Controller: "lxd", Cloud: "localhost", Region: "localhost", Version: "3.6.4", SLA: "unsupported"},
		Controller: ControllerInfo{Timestamp: "10:00:00Z"},
		Machines:   map[string]Machine{"0": mach("0", "10.1.2.3"), "1": mach("1", "10.1.2.4")},
		Applications: map[string]Application{"foo": {
			CharmName: "foo", CharmRev: 12, Version: "1.2", Status: Info{Current: "active", Message: "ready"},
			Units: map[string]Unit{
				"foo/0": {WorkloadStatus: Info{Current: "active", Message: "ready"}, JujuStatus: Info{Current: "idle"},
					Leader: true, Machine: "0", OpenPorts: []string{"443/tcp", "80/tcp"}, PublicAddress: "10.1.2.3"},
				"foo/1": {WorkloadStatus: Info{Current: "error", Message: `hook failed: "install"`}, JujuStatus: Info{Current: "idle"},
					Machine: "1", PublicAddress: "10.1.2.4"},
			},
		}},
	}
	var buf bytes.Buffer
	if err := writeTabular(&buf, s, false, "stable"); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/tabular.golden")
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestTabularPorts(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"80/tcp", "443/tcp"}, "80,443/tcp"},
		{[]string{"8000/tcp", "8001/tcp", "8002/tcp", "53/udp"}, "8000-8002/tcp 53/udp"},
		{[]string{"icmp", "2379/tcp", "2380/tcp"}, "2379-2380/tcp icmp"},
		{[]string{"8000-8080/udp"}, "8000-8080/udp"},
	} {
		if got := TabularPorts(tc.in); got != tc.want {
			t.Errorf("TabularPorts(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A hook error is stored on the agent but shown as a workload error with
// the agent idle; the leader is marked; yaml/json have juju's keys.
func TestBuild(t *testing.T) {
	now := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	m := model.New("default", "11111111-2222-4333-8444-555555abcdef", 1, now)
	m.Applications["foo"] = &model.Application{Name: "foo", CharmName: "foo", Base: "ubuntu@22.04", Leader: "foo/0", Life: model.Alive}
	m.Machines["0"] = &model.Machine{ID: "0", Address: "127.0.1.1", Created: now}
	m.Machines["1"] = &model.Machine{ID: "1", Address: "127.0.1.2", Created: now}
	m.Units["foo/0"] = &model.Unit{Name: "foo/0", App: "foo", Machine: "0", Life: model.Alive,
		Workload: model.StatusInfo{Status: "active", Message: "ready", Since: now},
		Agent:    model.StatusInfo{Status: "idle", Since: now},
		Ports:    []model.PortRange{{From: 2379, To: 2379, Protocol: "tcp"}}}
	m.Units["foo/1"] = &model.Unit{Name: "foo/1", App: "foo", Machine: "1", Life: model.Alive,
		Workload: model.StatusInfo{Status: "maintenance", Message: "installing", Since: now},
		Agent:    model.StatusInfo{Status: "error", Message: `hook failed: "install"`, Since: now}}
	s := Build(m, now)
	out, err := yaml.Marshal(s.Applications["foo"].Units)
	if err != nil {
		t.Fatal(err)
	}
	want := `foo/0:
  workload-status:
    current: active
    message: ready
    since: 01 Jan 2024 10:00:00Z
  juju-status:
    current: idle
    since: 01 Jan 2024 10:00:00Z
    version: 3.6.4
  leader: true
  machine: "0"
  open-ports:
  - 2379/tcp
  public-address: 127.0.1.1
foo/1:
  workload-status:
    current: error
    message: 'hook failed: "install"'
    since: 01 Jan 2024 10:00:00Z
  juju-status:
    current: idle
    since: 01 Jan 2024 10:00:00Z
    version: 3.6.4
  machine: "1"
  public-address: 127.0.1.2
`
	if string(out) != want {
		t.Errorf("units yaml:\n%s\nwant:\n%s", out, want)
	}
	if got := s.Applications["foo"].Status; got.Current != "error" || got.Message != `hook failed: "install"` {
		t.Errorf("derived app status: %+v", got)
	}
	js, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"foo/0":{"workload-status":{"current":"active","message":"ready","since":"01 Jan 2024 10:00:00Z"},"juju-status":{`) {
		t.Errorf("json: %s", js)
	}
}
