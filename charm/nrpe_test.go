package charm

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

func TestNagiosHostFor(t *testing.T) {
	for _, tc := range []struct {
		name              string
		cfg               Config
		hostname, hostCtx string
		want              NagiosHost
	}{
		{"defaults", Config{NagiosContext: "juju"}, "", "", NagiosHost{"juju-etcd-0", "juju", "etcd/0"}},
		{"servicegroups set", Config{NagiosContext: "prod", NagiosServicegroups: "db,kv"}, "", "", NagiosHost{"prod-etcd-0", "db,kv", "etcd/0"}},
		{"nrpe named the host", Config{NagiosContext: "juju"}, "site-etcd-0", "site", NagiosHost{"site-etcd-0", "juju", "site:etcd/0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NagiosHostFor(tc.cfg, "etcd/0", tc.hostname, tc.hostCtx); got != tc.want {
				t.Errorf("NagiosHostFor = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The files as charmhelpers.contrib.charmsupport.nrpe writes them for
// layer-etcd (Check.write, Check.write_service_config).
func TestNRPEFiles(t *testing.T) {
	p := Paths{Root: "/"}
	h := NagiosHost{Hostname: "juju-etcd-0", Servicegroups: "juju", UnitName: "etcd/0"}
	checks := NRPEChecks(p, h)
	if len(checks) != 2 || checks[0].Shortname != "snap.etcd.etcd" || checks[1].Shortname != "etcd-alarms" {
		t.Fatalf("checks = %+v", checks)
	}
	alarms := checks[1]
	wantCheck := "# check etcd-alarms\n# The following header was added automatically by juju\n# Modifying it will affect nagios monitoring and alerting\n# servicegroups: juju\ncommand[check_etcd-alarms]=/usr/lib/nagios/plugins/check_etcd-alarms.py\n"
	if got := string(alarms.CheckFile(h)); got != wantCheck {
		t.Errorf("CheckFile =\n%s\nwant\n%s", got, wantCheck)
	}
	if got := alarms.CheckPath(p); got != "/etc/nagios/nrpe.d/check_etcd-alarms.cfg" {
		t.Errorf("CheckPath = %s", got)
	}
	wantService := "\n#---------------------------------------------------\n# This file is Juju managed\n#---------------------------------------------------\ndefine service {\n    use                             active-service\n    host_name                       juju-etcd-0\n    service_description             juju-etcd-0[etcd-alarms] Verify etcd has no raised alarms\n    check_command                   check_nrpe!check_etcd-alarms\n    servicegroups                   juju\n}\n"
	if got := string(alarms.ServiceFile(h)); got != wantService {
		t.Errorf("ServiceFile =\n%q\nwant\n%q", got, wantService)
	}
	if got := alarms.ServicePath(p, h); got != "/var/lib/nagios/export/service__juju-etcd-0_check_etcd-alarms.cfg" {
		t.Errorf("ServicePath = %s", got)
	}
	if got := checks[0].CommandLine; got != "/usr/local/lib/nagios/plugins/check_etcd-service snap.etcd.etcd" {
		t.Errorf("service check command = %s", got)
	}
	if got := checks[0].Description; got != "process check {etcd/0}" {
		t.Errorf("service check description = %s", got)
	}
}

func TestAlarmCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		listing string
		code    int
		output  string
	}{
		{"no alarms", "", NagiosOK, "OK - no active alarms"},
		{"blank lines only", "\n  \n", NagiosOK, "OK - no active alarms"},
		{"one alarm", "memberID:123 alarm:NOSPACE\n", NagiosCritical, "memberID:123 alarm:NOSPACE"},
		{"two alarms", "memberID:1 alarm:NOSPACE\n\nmemberID:2 alarm:CORRUPT\n", NagiosCritical, "memberID:1 alarm:NOSPACE memberID:2 alarm:CORRUPT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := AlarmCheck(tc.listing)
			if code != tc.code || out != tc.output {
				t.Errorf("AlarmCheck = %d %q, want %d %q", code, out, tc.code, tc.output)
			}
		})
	}
	lines := AlarmLines([]etcd.Alarm{{MemberID: 7, Type: "NOSPACE"}})
	if len(lines) != 1 || lines[0] != "memberID:7 alarm:NOSPACE" {
		t.Errorf("AlarmLines = %v", lines)
	}
	if code, out := ServiceCheck("snap.etcd.etcd", false); code != NagiosCritical || out != "CRITICAL: snap.etcd.etcd is not running" {
		t.Errorf("ServiceCheck(stopped) = %d %q", code, out)
	}
}
