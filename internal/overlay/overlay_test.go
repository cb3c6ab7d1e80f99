package overlay

import (
	"maps"
	"slices"
	"testing"
)

// store is committed data of one unit: relation bags, state, ports.
type store struct {
	bags    map[string]map[string]string // "rel/u" or "rel/a"
	changed []string
	state   map[string]string
	ports   []Port
	gone    string // a relation whose writes are dropped
}

func key(rel string, app bool) string {
	if app {
		return rel + "/a"
	}
	return rel + "/u"
}

func (s *store) RelationBag(rel string, app bool) map[string]string {
	if rel == s.gone {
		return nil
	}
	k := key(rel, app)
	if s.bags[k] == nil {
		s.bags[k] = map[string]string{}
	}
	return s.bags[k]
}
func (s *store) RelationChanged(rel string, app bool) { s.changed = append(s.changed, key(rel, app)) }
func (s *store) State() map[string]string             { return s.state }
func (s *store) Ports() []Port                        { return s.ports }
func (s *store) SetPorts(p []Port)                    { s.ports = p }

func TestPendingWritesOverCommittedData(t *testing.T) {
	s := &store{
		bags:  map[string]map[string]string{"db:1/u": {"a": "1", "b": "2"}},
		state: map[string]string{"memo": "old", "gone": "x"},
		ports: []Port{{From: 80, To: 80, Protocol: "tcp"}},
		gone:  "db:9",
	}
	var w Writes[string]
	w.SetRelation("db:1", false, map[string]string{"a": "1", "b": "", "c": "3"})
	w.SetRelation("db:1", true, map[string]string{"x": "y"})
	w.SetRelation("cluster:0", false, map[string]string{"same": ""})
	w.SetRelation("db:9", false, map[string]string{"k": "v"})
	w.SetState("memo", "new")
	w.SetState("empty", "")
	w.DeleteState("gone")
	w.OpenPort(Port{From: 2379, To: 2379, Protocol: "tcp"})
	w.OpenPort(Port{From: 53, To: 53, Protocol: "udp"})
	w.ClosePort(Port{From: 53, To: 53, Protocol: "udp"})
	w.ClosePort(Port{From: 80, To: 80, Protocol: "tcp"})

	if got := w.Relation("db:1", false, s.bags["db:1/u"]); !maps.Equal(got, map[string]string{"a": "1", "c": "3"}) {
		t.Errorf("own bag in the hook = %v", got)
	}
	if got := s.bags["db:1/u"]; !maps.Equal(got, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("committed bag changed before commit: %v", got)
	}
	if got := w.State(s.state); !maps.Equal(got, map[string]string{"memo": "new", "empty": ""}) {
		t.Errorf("state in the hook = %v", got)
	}
	w.Commit(s)
	if want := []string{"db:1/u", "db:1/a"}; !slices.Equal(s.changed, want) {
		t.Errorf("changed bags %v, want %v (an unchanged bag is no change)", s.changed, want)
	}
	if got := s.bags["db:1/u"]; !maps.Equal(got, map[string]string{"a": "1", "c": "3"}) {
		t.Errorf("committed unit bag = %v", got)
	}
	if _, ok := s.bags["db:9/u"]; ok {
		t.Errorf("writes to a dropped relation committed")
	}
	if !maps.Equal(s.state, map[string]string{"memo": "new", "empty": ""}) {
		t.Errorf("committed state = %v", s.state)
	}
	if want := []Port{{From: 2379, To: 2379, Protocol: "tcp"}}; !slices.EqualFunc(s.ports, want, Port.Same) {
		t.Errorf("committed ports = %v, want %v", s.ports, want)
	}
	// Commit empties the writes: a second commit changes nothing.
	s.changed = nil
	w.Commit(s)
	if len(s.changed) != 0 {
		t.Errorf("second commit changed %v", s.changed)
	}
}

func TestDiscardDropsEverything(t *testing.T) {
	s := &store{bags: map[string]map[string]string{}, state: map[string]string{}}
	var w Writes[int]
	w.SetRelation(1, false, map[string]string{"k": "v"})
	w.SetState("k", "v")
	w.OpenPort(Port{From: 1, To: 1, Protocol: "tcp"})
	w.Discard()
	if got := w.Relation(1, false, nil); len(got) != 0 {
		t.Errorf("after discard the hook reads %v", got)
	}
	var ws Writes[string]
	ws.Commit(s)
	if len(s.bags) != 0 || len(s.state) != 0 || len(s.ports) != 0 {
		t.Errorf("an empty commit wrote %+v", s)
	}
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]string{
		"2379": "2379/tcp", "80/UDP": "80/udp", "8000-8010/tcp": "8000-8010/tcp", "ICMP": "icmp",
		"foo":       `invalid port "foo": strconv.Atoi: parsing "foo": invalid syntax`,
		"80/sctp":   `invalid protocol "sctp", expected "tcp", "udp", or "icmp"`,
		"90-80/tcp": "invalid port range 90-80/tcp",
		"0-70000":   "port range bounds must be between 0 and 65535, got 0-70000",
	} {
		p, err := ParsePort(in)
		got := p.String()
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("ParsePort(%q) = %q, want %q", in, got, want)
		}
	}
}
