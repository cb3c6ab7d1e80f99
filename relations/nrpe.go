package relations

import (
	"sort"
	"strings"
)

// nrpe-external-master: the principal tells the nrpe subordinate which
// commands to export as Nagios services with the unit-bag key `monitors`,
// charmhelpers' yaml.dump of {"monitors": {"remote": {"nrpe": {<shortname>:
// {"command": "check_<shortname>"}}}}} (PyYAML's block style, keys
// sorted). The subordinate publishes `nagios_hostname` and
// `nagios_host_context` for the principal to name its checks with.

// NRPE subordinate keys.
const (
	NagiosHostnameKey    = "nagios_hostname"
	NagiosHostContextKey = "nagios_host_context"
	MonitorsKey          = "monitors"
)

// Monitors renders the `monitors` value for checks (shortname → command).
func Monitors(checks map[string]string) string {
	names := make([]string, 0, len(checks))
	for n := range checks {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("monitors:\n  remote:\n    nrpe:\n")
	for _, n := range names {
		b.WriteString("      " + n + ":\n        command: " + checks[n] + "\n")
	}
	return b.String()
}
