package machinetools

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/snapcore/snapd/client"
	"github.com/spf13/pflag"
)

// A jujusim machine has no systemd: its snap services are the processes
// its fake snapd supervises. systemctl and journalctl answer for the units
// snapd would have written, snap.<snap>.<app>.service, through snapd's API
// (the same service control `snap start/stop/restart` uses), plus
// snapd.service itself, which is always running.

// systemd's exit codes (systemctl(1) "EXIT STATUS"; LSB for is-active).
const (
	exitNotActive    = 3 // is-active, status: unit not active
	exitNoSuchUnit   = 4 // status: no such unit
	exitNotInstalled = 5 // start/stop/restart: unit not found
)

// unit is one systemd unit name resolved to its snapd app.
type unit struct {
	name string // snap.etcd.etcd.service
	app  string // etcd.etcd; "" for snapd.service
}

// parseUnit maps snap.<snap>.<app>[.service] and snapd[.service]; ok is
// false for units a jujusim machine does not have.
func parseUnit(arg string) (unit, bool) {
	name := strings.TrimSuffix(arg, ".service")
	if name == "snapd" {
		return unit{name: "snapd.service"}, true
	}
	rest, ok := strings.CutPrefix(name, "snap.")
	if !ok || strings.Count(rest, ".") != 1 || strings.HasPrefix(rest, ".") || strings.HasSuffix(rest, ".") {
		return unit{}, false
	}
	return unit{name: name + ".service", app: rest}, true
}

// service looks the unit's app up; nil when snapd has no such service.
func (t *tools) service(u unit) (*client.AppInfo, error) {
	apps, err := t.cli.Apps([]string{u.app}, client.AppOptions{Service: true})
	var ce *client.Error
	if errors.As(err, &ce) && (ce.Kind == client.ErrorKindAppNotFound || ce.Kind == client.ErrorKindSnapNotFound || ce.StatusCode == 404) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if a.Snap+"."+a.Name == u.app {
			return a, nil
		}
	}
	return nil, nil
}

func (t *tools) systemctl(args []string) int {
	fs := pflag.NewFlagSet("systemctl", pflag.ContinueOnError)
	fs.SetOutput(t.env.Stderr)
	quiet := fs.BoolP("quiet", "q", false, "")
	now := fs.Bool("now", false, "")
	fs.Bool("no-pager", false, "")
	fs.Bool("no-block", false, "")
	fs.Bool("no-ask-password", false, "")
	lines := fs.IntP("lines", "n", 10, "")
	if err := fs.Parse(args); err != nil {
		return t.unsupported("systemctl", strings.Join(args, " ")+" ("+err.Error()+")")
	}
	pos := fs.Args()
	if len(pos) == 0 {
		return t.unsupported("systemctl", "without a command (listing units)")
	}
	verb, names := pos[0], pos[1:]
	if verb == "daemon-reload" {
		return 0 // no unit files to reload: snapd's units are its own
	}
	switch verb {
	case "is-active", "is-enabled", "status", "start", "stop", "restart", "enable", "disable":
	default:
		return t.unsupported("systemctl", verb)
	}
	if len(names) == 0 {
		fmt.Fprintf(t.env.Stderr, "Too few arguments.\n")
		return 1
	}
	var units []unit
	for _, n := range names {
		u, ok := parseUnit(n)
		if !ok {
			return t.unsupported("systemctl", verb+" "+n)
		}
		if u.app == "" && verb != "is-active" && verb != "status" {
			return t.unsupported("systemctl", verb+" "+n)
		}
		units = append(units, u)
	}
	if (verb == "enable" || verb == "disable") && !*now {
		// snapd enables only as it starts and disables only as it stops.
		return t.unsupported("systemctl", verb+" without --now")
	}
	code := 0
	for _, u := range units {
		var c int
		switch verb {
		case "is-active":
			c = t.isActive(u, *quiet)
		case "is-enabled":
			c = t.isEnabled(u, *quiet)
		case "status":
			c = t.status(u, *lines)
		default:
			c = t.control(verb, u)
		}
		if c != 0 && code == 0 {
			code = c
		}
	}
	return code
}

func (t *tools) isActive(u unit, quiet bool) int {
	active := u.app == ""
	if !active {
		a, err := t.service(u)
		if err != nil {
			return t.snapError(err, "")
		}
		active = a != nil && a.Active
	}
	if !quiet {
		fmt.Fprintln(t.env.Stdout, activeWord(active))
	}
	if !active {
		return exitNotActive
	}
	return 0
}

func (t *tools) isEnabled(u unit, quiet bool) int {
	a, err := t.service(u)
	if err != nil {
		return t.snapError(err, "")
	}
	if a == nil {
		fmt.Fprintf(t.env.Stderr, "Failed to get unit file state for %s: No such file or directory\n", u.name)
		return 1
	}
	if !quiet {
		fmt.Fprintln(t.env.Stdout, enabledWord(a.Enabled))
	}
	if !a.Enabled {
		return 1
	}
	return 0
}

// status prints systemctl status's header and the unit's last journal
// lines. snapd's API has no PID or start time, so those lines are left out.
func (t *tools) status(u unit, lines int) int {
	if u.app == "" {
		fmt.Fprintf(t.env.Stdout, "● snapd.service - Snap Daemon\n     Loaded: loaded (/lib/systemd/system/snapd.service; enabled; preset: enabled)\n     Active: active (running)\n")
		return 0
	}
	a, err := t.service(u)
	if err != nil {
		return t.snapError(err, "")
	}
	if a == nil {
		fmt.Fprintf(t.env.Stderr, "Unit %s could not be found.\n", u.name)
		return exitNoSuchUnit
	}
	dot, state := "○", "inactive (dead)"
	if a.Active {
		dot, state = "●", "active (running)"
	}
	fmt.Fprintf(t.env.Stdout, "%s %s - Service for snap application %s\n", dot, u.name, u.app)
	fmt.Fprintf(t.env.Stdout, "     Loaded: loaded (/etc/systemd/system/%s; %s; preset: enabled)\n", u.name, enabledWord(a.Enabled))
	fmt.Fprintf(t.env.Stdout, "     Active: %s\n", state)
	if lines > 0 {
		logs, err := t.cli.Logs([]string{u.app}, client.LogOptions{N: lines})
		if err == nil {
			first := true
			for l := range logs {
				if first {
					fmt.Fprintln(t.env.Stdout)
					first = false
				}
				fmt.Fprintln(t.env.Stdout, t.journalLine(l, "short"))
			}
		}
	}
	if !a.Active {
		return exitNotActive
	}
	return 0
}

// control is start, stop, restart and enable/disable --now, through
// snapd's service control (POST /v2/apps), as `snap start` would.
func (t *tools) control(verb string, u unit) int {
	a, err := t.service(u)
	if err != nil {
		return t.snapError(err, "")
	}
	if a == nil {
		word := map[string]string{"start": "start", "stop": "stop", "restart": "restart", "enable": "enable", "disable": "disable"}[verb]
		fmt.Fprintf(t.env.Stderr, "Failed to %s %s: Unit %s not found.\n", word, u.name, u.name)
		return exitNotInstalled
	}
	names := []string{u.app}
	var id string
	switch verb {
	case "start":
		id, err = t.cli.Start(names, client.StartOptions{})
	case "enable":
		id, err = t.cli.Start(names, client.StartOptions{Enable: true})
	case "stop":
		id, err = t.cli.Stop(names, client.StopOptions{})
	case "disable":
		id, err = t.cli.Stop(names, client.StopOptions{Disable: true})
	default:
		id, err = t.cli.Restart(names, client.RestartOptions{})
	}
	if err == nil {
		err = t.wait(id)
	}
	if err != nil {
		fmt.Fprintf(t.env.Stderr, "Job for %s failed: %v\n", u.name, err)
		return 1
	}
	return 0
}

// linesDefault gives a bare -n/--lines journalctl's default of 10, as
// journalctl does when the next argument is not a number (its --lines
// takes an optional argument).
func linesDefault(args []string) []string {
	var out []string
	for i, a := range args {
		out = append(out, a)
		if a != "-n" && a != "--lines" {
			continue
		}
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		if _, err := strconv.Atoi(next); err != nil && next != "all" {
			out = append(out, "10")
		}
	}
	return out
}

func (t *tools) hostname() string {
	if t.env.Machine != "" {
		return "juju-machine-" + t.env.Machine
	}
	return "localhost"
}

// journalLine renders a record as journalctl's short (or cat) output.
func (t *tools) journalLine(l client.Log, format string) string {
	if format == "cat" {
		return l.Message
	}
	return fmt.Sprintf("%s %s %s[%s]: %s", l.Timestamp.Local().Format("Jan 02 15:04:05"), t.hostname(), l.SID, l.PID, l.Message)
}

// journalctl is `journalctl -u UNIT...`: the snap services' logs snapd
// keeps. The whole journal (no -u) is not something a jujusim machine has.
func (t *tools) journalctl(args []string) int {
	fs := pflag.NewFlagSet("journalctl", pflag.ContinueOnError)
	fs.SetOutput(t.env.Stderr)
	unitNames := fs.StringArrayP("unit", "u", nil, "")
	n := fs.StringP("lines", "n", "", "")
	args = linesDefault(args)
	follow := fs.BoolP("follow", "f", false, "")
	output := fs.StringP("output", "o", "short", "")
	fs.Bool("no-pager", false, "")
	fs.BoolP("quiet", "q", false, "")
	if err := fs.Parse(args); err != nil {
		return t.unsupported("journalctl", strings.Join(args, " ")+" ("+err.Error()+")")
	}
	if len(fs.Args()) > 0 {
		return t.unsupported("journalctl", "matches "+strings.Join(fs.Args(), " "))
	}
	if len(*unitNames) == 0 {
		return t.unsupported("journalctl", "without -u (the whole journal)")
	}
	if *output != "short" && *output != "cat" {
		return t.unsupported("journalctl", "-o "+*output)
	}
	count := -1
	if *n != "" && *n != "all" {
		v, err := strconv.Atoi(*n)
		if err != nil || v < 0 {
			fmt.Fprintf(t.env.Stderr, "Failed to parse lines '%s'\n", *n)
			return 1
		}
		count = v
	}
	var apps []string
	for _, name := range *unitNames {
		u, ok := parseUnit(name)
		if !ok || u.app == "" {
			return t.unsupported("journalctl", "-u "+name)
		}
		a, err := t.service(u)
		if err != nil {
			return t.snapError(err, "")
		}
		if a != nil {
			apps = append(apps, u.app)
		}
	}
	if len(apps) == 0 {
		// journalctl prints this for a unit that never logged.
		fmt.Fprintln(t.env.Stdout, "-- No entries --")
		return 0
	}
	logs, err := t.cli.Logs(apps, client.LogOptions{N: count, Follow: *follow})
	if err != nil {
		return t.snapError(err, "")
	}
	seen := false
	for l := range logs {
		seen = true
		fmt.Fprintln(t.env.Stdout, t.journalLine(l, *output))
	}
	if !seen && !*follow {
		fmt.Fprintln(t.env.Stdout, "-- No entries --")
	}
	return 0
}
