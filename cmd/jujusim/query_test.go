package main

import "testing"

func TestQueries(t *testing.T) {
	units := []map[string]any{
		{"name": "etcd/0", "workload-status": "active", "life": "alive"},
		{"name": "etcd/1", "workload-status": "maintenance", "life": "alive"},
	}
	scope := map[string]any{"name": "etcd", "life": "alive", "status": "active", "status-message": "Healthy with 3 known peers", "units": units, "exposed": false, "charm-rev": 3}
	cases := []struct {
		q    string
		want bool
		err  string
	}{
		{`status=="active"`, true, ""},
		{`status == 'active'`, true, ""},
		{`status!="active"`, false, ""},
		{`life=="alive" && status=="active"`, true, ""},
		{`life=="dying" || status=="active"`, true, ""},
		{`!(life=="dying")`, true, ""},
		{`status-message=="Healthy with 3 known peers"`, true, ""},
		{`exposed==false && charm-rev==3`, true, ""},
		{`forEach(units, unit => unit.workload-status=="active")`, false, ""},
		{`forEach(units, u => u.life=="alive")`, true, ""},
		{`statu=="active"`, false, `invalid identifier "statu"`},
		{`status=="active" &&`, false, "cannot parse query: unexpected end"},
		{`status`, false, "query is not a condition: it evaluates to active"},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			q, err := parseQuery(tc.q)
			var got bool
			if err == nil {
				got, err = matchQuery(q, scope)
			}
			if errText(err) != tc.err || got != tc.want {
				t.Errorf("got %v %v, want %v %q", got, err, tc.want, tc.err)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestModelHome(t *testing.T) {
	cases := []struct{ model, want, err string }{
		{"", "/h", ""},
		{"default", "/h", ""},
		{"prod", "/h/models/prod", ""},
		{"Bad_Name", "", `"Bad_Name" is not a valid model name`},
	}
	for _, tc := range cases {
		got, err := modelHome("/h", tc.model)
		if got != tc.want || errText(err) != tc.err {
			t.Errorf("modelHome(%q) = %q %v, want %q %q", tc.model, got, err, tc.want, tc.err)
		}
	}
}
