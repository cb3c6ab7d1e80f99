package main

import (
	"reflect"
	"testing"
)

func TestActionParams(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		stringArgs bool
		want       map[string]any
		err        string
	}{
		{[]string{"a=1", "b=y", "c=text", "d.e=2"}, false, map[string]any{"a": 1, "b": true, "c": "text", "d": map[string]any{"e": 2}}, ""},
		{[]string{"a=1", "b=y"}, true, map[string]any{"a": "1", "b": "y"}, ""},
		{[]string{"a_b=1"}, false, nil, `key "a_b" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`},
		{[]string{"novalue"}, false, nil, `argument "novalue" must be of the form key...=value`},
	} {
		got, err := actionParams(tc.args, tc.stringArgs)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %#v %v, want %#v", tc.args, got, err, tc.want)
		}
	}
}
