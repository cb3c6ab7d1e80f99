package model

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func writeCharm(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const meta = "name: c\nsummary: s\ndescription: d\n"

func TestConfig(t *testing.T) {
	ch, err := ReadCharm(writeCharm(t, map[string]string{
		"metadata.yaml": meta,
		"config.yaml": `options:
  port: {type: int, default: 2379, description: p}
  debug: {type: boolean, default: false, description: d}
  ratio: {type: float, default: 1, description: r}
  name: {type: string, description: n}
`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	a := &Application{}
	if got := EffectiveConfig(ch, a.Config); !reflect.DeepEqual(got, map[string]any{"port": int64(2379), "debug": false, "ratio": float64(1), "name": nil}) {
		t.Errorf("defaults: %#v", got)
	}
	for _, tc := range []struct {
		set     map[string]string
		changed bool
		err     string
	}{
		{map[string]string{"port": "abc"}, false, `option "port" expected int, got "abc"`},
		{map[string]string{"nope": "1"}, false, `unknown option "nope"`},
		{map[string]string{"port": "2379"}, false, ""},
		{map[string]string{"port": "4001", "debug": "true"}, true, ""},
		{map[string]string{"port": ""}, false, `option "port" expected int, got ""`},
	} {
		parsed, err := ParseConfig(ch, tc.set)
		if err == nil {
			var changed bool
			changed, err = ApplyConfig(ch, a, parsed)
			if err == nil && changed != tc.changed {
				t.Errorf("%v: changed %v, want %v", tc.set, changed, tc.changed)
			}
		}
		if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("%v: error %v, want %q", tc.set, err, tc.err)
		}
	}
	if got := EffectiveConfig(ch, a.Config); got["port"] != int64(4001) || got["debug"] != true {
		t.Errorf("after sets: %#v", got)
	}
	// --reset: back to the default.
	if changed, err := ApplyConfig(ch, a, map[string]any{"port": nil}); err != nil || !changed {
		t.Errorf("reset: %v %v", changed, err)
	}
	if got := EffectiveConfig(ch, a.Config); got["port"] != int64(2379) {
		t.Errorf("after reset: %#v", got)
	}
	if a.ConfigSeq != 2 {
		t.Errorf("config seq %d, want 2 (bumped only on real changes)", a.ConfigSeq)
	}
}

func TestCharmErrorsAndActions(t *testing.T) {
	if _, err := ReadCharm(writeCharm(t, map[string]string{"metadata.yaml": "name: c\n"})); err == nil {
		t.Errorf("metadata without summary accepted")
	}
	ch, err := ReadCharm(writeCharm(t, map[string]string{
		"metadata.yaml": meta,
		"actions.yaml":  "snap:\n  params:\n    count: {type: integer, default: 3}\n    name: {type: string}\n  required: [name]\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ValidateActionParams(ch, "c/0", "snap", map[string]any{"name": "x"})
	if err != nil || fmt.Sprint(got) != "map[count:3 name:x]" {
		t.Errorf("defaults: %#v %v", got, err)
	}
	for _, tc := range []struct {
		action string
		params map[string]any
		err    string
	}{
		{"nope", nil, `action "nope" not defined on unit "c/0"`},
		{"snap", map[string]any{}, `validation failed: (root) : "name" property is missing and required, given {}`},
		{"snap", map[string]any{"name": "x", "count": "y"}, `validation failed: (root).count : must be of type integer, given "y"`},
	} {
		if _, err := ValidateActionParams(ch, "c/0", tc.action, tc.params); err == nil || err.Error() != tc.err {
			t.Errorf("%s %v: %v, want %q", tc.action, tc.params, err, tc.err)
		}
	}
}
