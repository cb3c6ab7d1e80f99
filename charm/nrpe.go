package charm

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// layer-etcd's nrpe-external-master checks, written with charmhelpers'
// NRPE helper (layer-etcd-reference.md §6): an init-service check of
// snap.etcd.etcd and "etcd-alarms". For every check charmhelpers writes
// /etc/nagios/nrpe.d/check_<shortname>.cfg (the command nrpe runs),
// a Nagios service definition in /var/lib/nagios/export when that
// directory exists (the nrpe subordinate creates it), and the relation's
// `monitors` YAML naming the commands. The nrpe daemon runs the commands
// as the nagios user.

// Nagios plugin exit codes (the monitoring plugins guidelines).
const (
	NagiosOK       = 0
	NagiosWarning  = 1
	NagiosCritical = 2
	NagiosUnknown  = 3
)

// NRPE check short names, as layer-etcd names them.
const (
	CheckService = "snap.etcd.etcd"
	CheckAlarms  = "etcd-alarms"
)

// NRPE paths, as charmhelpers and layer-etcd lay them out.
func (p Paths) NRPEConfDir() string     { return p.Join("etc/nagios/nrpe.d") }
func (p Paths) NagiosExportDir() string { return p.Join("var/lib/nagios/export") }

// AlarmPlugin is layer-etcd's alarm check program.
func (p Paths) AlarmPlugin() string { return p.Join("usr/lib/nagios/plugins/check_etcd-alarms.py") }

// ServicePlugin is the service check program. charmhelpers' own
// check_systemd.py (same directory) asks systemd over D-Bus and may be
// another charm's on this machine, so the charm installs its own, which
// asks snapd.
func (p Paths) ServicePlugin() string {
	return p.Join("usr/local/lib/nagios/plugins/check_etcd-service")
}

// AlarmCache is where root's cron leaves `etcdctl alarm list` for the
// alarm check, which runs as nagios and cannot read the client key.
func (p Paths) AlarmCache() string { return p.Join("var/lib/nagios/etcd-alarm-list.txt") }

// AlarmCron is the cron job that refreshes AlarmCache every minute.
func (p Paths) AlarmCron() string { return p.Join("etc/cron.d/check_etcd-alarms") }

// NagiosHost is how Nagios names this unit (charmhelpers' NRPE): the
// hostname the nrpe subordinate published (nagios_hostname) or
// "<nagios_context>-<unit with / as ->", the service groups
// (nagios_servicegroups, else nagios_context) and the unit name the
// checks describe ("<nagios_host_context>:<unit>" when nrpe sent one).
type NagiosHost struct {
	Hostname      string
	Servicegroups string
	UnitName      string
}

// NagiosHostFor derives the host context from config and what the nrpe
// subordinate published.
func NagiosHostFor(cfg Config, unit, remoteHostname, remoteHostContext string) NagiosHost {
	h := NagiosHost{Hostname: remoteHostname, Servicegroups: cfg.NagiosServicegroups, UnitName: unit}
	if h.Hostname == "" {
		h.Hostname = cfg.NagiosContext + "-" + strings.ReplaceAll(unit, "/", "-")
	}
	if h.Servicegroups == "" {
		h.Servicegroups = cfg.NagiosContext
	}
	if remoteHostContext != "" {
		h.UnitName = remoteHostContext + ":" + unit
	}
	return h
}

// NRPECheck is one check.
type NRPECheck struct {
	Shortname   string
	Description string
	// CommandLine is what nrpe runs.
	CommandLine string
}

// Command is the nrpe command name, check_<shortname>.
func (c NRPECheck) Command() string { return "check_" + c.Shortname }

// NRPEChecks are layer-etcd's two checks for host h.
func NRPEChecks(p Paths, h NagiosHost) []NRPECheck {
	return []NRPECheck{
		{Shortname: CheckService, Description: "process check {" + h.UnitName + "}", CommandLine: p.ServicePlugin() + " snap.etcd.etcd"},
		{Shortname: CheckAlarms, Description: "Verify etcd has no raised alarms", CommandLine: p.AlarmPlugin()},
	}
}

// CheckFile is nrpe.d/check_<shortname>.cfg as charmhelpers writes it.
func (c NRPECheck) CheckFile(h NagiosHost) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# check %s\n", c.Shortname)
	if h.Servicegroups != "" {
		b.WriteString("# The following header was added automatically by juju\n")
		b.WriteString("# Modifying it will affect nagios monitoring and alerting\n")
		fmt.Fprintf(&b, "# servicegroups: %s\n", h.Servicegroups)
	}
	fmt.Fprintf(&b, "command[%s]=%s\n", c.Command(), c.CommandLine)
	return []byte(b.String())
}

// CheckPath is where the check's nrpe config goes.
func (c NRPECheck) CheckPath(p Paths) string {
	return filepath.Join(p.NRPEConfDir(), c.Command()+".cfg")
}

// ServiceFile is the exported Nagios service definition.
func (c NRPECheck) ServiceFile(h NagiosHost) []byte {
	return []byte(fmt.Sprintf(`
#---------------------------------------------------
# This file is Juju managed
#---------------------------------------------------
define service {
    use                             active-service
    host_name                       %s
    service_description             %s[%s] %s
    check_command                   check_nrpe!%s
    servicegroups                   %s
}
`, h.Hostname, h.Hostname, c.Shortname, c.Description, c.Command(), h.Servicegroups))
}

// ServicePath is where the exported service definition goes.
func (c NRPECheck) ServicePath(p Paths, h NagiosHost) string {
	return filepath.Join(p.NagiosExportDir(), fmt.Sprintf("service__%s_%s.cfg", h.Hostname, c.Command()))
}

// PluginScript is a check program: a shell script that runs the charm
// binary's check subcommand (charmDir/dispatch), with the root the charm
// runs under so it finds etcd's files.
func PluginScript(p Paths, charmDir, subcommand string) []byte {
	return []byte(fmt.Sprintf("#!/bin/sh\n# Installed by the etcd charm for nrpe; changes are overwritten.\nSNAPPY_GLOBAL_ROOT=%s exec %s %s \"$@\"\n",
		shellQuote(p.Join()), shellQuote(filepath.Join(charmDir, "dispatch")), subcommand))
}

// AlarmCronFile runs the alarm check as root every minute to refresh
// AlarmCache, as layer-etcd's cron ran etcdctl alarm list.
func AlarmCronFile(p Paths, charmDir string) []byte {
	return []byte(fmt.Sprintf("# check_etcd_alarms\n* * * * * root SNAPPY_GLOBAL_ROOT=%s %s check-alarms --write-cache >/dev/null 2>&1\n",
		shellQuote(p.Join()), shellQuote(filepath.Join(charmDir, "dispatch"))))
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// AlarmLines are etcdctl's `alarm list` lines for alarms.
func AlarmLines(alarms []etcd.Alarm) []string {
	lines := make([]string, 0, len(alarms))
	for _, a := range alarms {
		lines = append(lines, fmt.Sprintf("memberID:%d alarm:%s", a.MemberID, a.Type))
	}
	sort.Strings(lines)
	return lines
}

// AlarmCheck is check_etcd-alarms.py's verdict on the alarm list (or the
// error text standing in its place): CRITICAL with the non-blank lines
// joined by spaces, else "OK - no active alarms".
func AlarmCheck(listing string) (int, string) {
	var alarms []string
	for _, line := range strings.Split(listing, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			alarms = append(alarms, line)
		}
	}
	if len(alarms) > 0 {
		return NagiosCritical, strings.Join(alarms, " ")
	}
	return NagiosOK, "OK - no active alarms"
}

// ServiceCheck is the service check's verdict.
func ServiceCheck(service string, active bool) (int, string) {
	if active {
		return NagiosOK, fmt.Sprintf("OK: %s is running", service)
	}
	return NagiosCritical, fmt.Sprintf("CRITICAL: %s is not running", service)
}
