package architecture

import (
	"reflect"
	"testing"
)

func TestMatches(t *testing.T) {
	tests := []struct {
		word, imp string
		kind      importKind
		want      bool
	}{
		{"stdlib", "os/exec", std, true},
		{"stdlib", "charm", local, false},
		{"stdlib", "gopkg.in/yaml.v3", thirdParty, false},
		{"os", "os", std, true},
		{"os", "os/exec", std, false},
		{"charm", "charm", local, true},
		{"charm", "charm/sub", local, false},
		{"internal/juju", "internal/juju/jujutest", local, false},
		{"internal/juju/...", "internal/juju/jujutest", local, true},
		{"internal/juju/...", "internal/juju", local, true},
		{"internal/juju/...", "internal/jujux", local, false},
		{"internal/*", "internal/etcd", local, true},
		{"internal/*", "internal/etcd/etcdtest", local, false},
		{"*", "sim/agent", local, true},
		{"*", "os", std, false},
		{"gopkg.in/yaml.v3", "gopkg.in/yaml.v3", thirdParty, true},
		{"gopkg.in/yaml.v3", "gopkg.in/yaml.v2", thirdParty, false},
		{"go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/client/v3/snapshot", thirdParty, true},
		{"go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/client/pkg/v3/transport", thirdParty, false},
		{"github.com/snapcore/snapd", "github.com/snapcore/snapd/client", thirdParty, true},
	}
	for _, tt := range tests {
		if got := matches(tt.word, tt.imp, tt.kind); got != tt.want {
			t.Errorf("matches(%q, %q, %v) = %v, want %v", tt.word, tt.imp, tt.kind, got, tt.want)
		}
	}
}

const sample = "# Doc\n\n" +
	"| package | owns | may import |\n" +
	"|---|---|---|\n" +
	"| `charm` | the core; not `hooks` | `relations`, `internal/etcd` (types only, not cmd/x), `stdlib`, but not `!os` |\n" +
	"| `sim/charms/easyrsa/...` | a charm | `internal/juju`, `sim/charms/easyrsa/...` |\n" +
	"| `sim/charms/easyrsa/pki` | the PKI | `stdlib` |\n" +
	"\nprose\n\n" +
	"| tests of | may also import |\n" +
	"|---|---|\n" +
	"| `*` | `stdlib`, `internal/testkit/...` |\n" +
	"\n| file | imports | until |\n" +
	"|---|---|---|\n" +
	"| `charm/resource.go` | `internal/juju`, `os` | it moves |\n"

func TestParseRules(t *testing.T) {
	rs, err := parseRules(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := rules{
		packages: []rule{
			{patterns: []string{"charm"}, allow: []string{"relations", "internal/etcd", "stdlib"}, deny: []string{"os"}, line: 5},
			{patterns: []string{"sim/charms/easyrsa/..."}, allow: []string{"internal/juju", "sim/charms/easyrsa/..."}, line: 6},
			{patterns: []string{"sim/charms/easyrsa/pki"}, allow: []string{"stdlib"}, line: 7},
		},
		tests:      []rule{{patterns: []string{"*"}, allow: []string{"stdlib", "internal/testkit/..."}, line: 13}},
		exceptions: []exception{{file: "charm/resource.go", imports: []string{"internal/juju", "os"}, line: 17}},
	}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("parseRules =\n%+v\nwant\n%+v", rs, want)
	}
	for pkg, line := range map[string]int{"charm": 5, "sim/charms/easyrsa/charm": 6, "sim/charms/easyrsa/pki": 7} {
		if r, ok := rowFor(rs.packages, pkg); !ok || r.line != line {
			t.Errorf("rowFor(%s) = line %d, %v; want line %d", pkg, r.line, ok, line)
		}
	}
	if r, ok := rowFor(rs.packages, "hooks"); ok {
		t.Errorf("rowFor(hooks) = line %d, want no row", r.line)
	}
}

func TestParseRulesRefusesATableWithoutPackages(t *testing.T) {
	if _, err := parseRules("| package | owns | may import |\n|---|---|---|\n| no word | x | `stdlib` |\n"); err == nil {
		t.Error("a row without a backticked package was accepted")
	}
	if _, err := parseRules("# no tables\n"); err == nil {
		t.Error("a document without the tables was accepted")
	}
}
