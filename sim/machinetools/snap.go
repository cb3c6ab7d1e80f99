package machinetools

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/snapcore/snapd/client"
	"github.com/snapcore/snapd/client/clientutil"
	"github.com/snapcore/snapd/snap/channel"
	"github.com/spf13/pflag"
)

// snap is the snap CLI's subset that operators and charms use on a Juju
// machine. Output follows cmd/snap of the snapd release the client comes
// from, as seen without a terminal (no colour, no Unicode ticks).
func (t *tools) snap(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(t.env.Stderr, "error: Please specify one command of: list, info, get, set, services, start, stop, restart, logs, install, refresh, remove")
		return 1
	}
	cmd, rest := args[0], args[1:]
	fs := pflag.NewFlagSet("snap "+cmd, pflag.ContinueOnError)
	fs.SetOutput(t.env.Stderr)
	switch cmd {
	case "list":
		all := fs.Bool("all", false, "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapList(pos, *all) })
	case "info":
		return t.parse(fs, rest, t.snapInfo)
	case "get":
		doc := fs.BoolP("document", "d", false, "")
		list := fs.BoolP("list", "l", false, "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapGet(pos, *doc, *list) })
	case "set":
		str := fs.BoolP("string", "s", false, "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapSet(pos, *str, false) })
	case "unset":
		return t.parse(fs, rest, func(pos []string) int { return t.snapSet(pos, false, true) })
	case "services":
		return t.parse(fs, rest, t.snapServices)
	case "start", "stop", "restart":
		enable := fs.Bool("enable", false, "")
		disable := fs.Bool("disable", false, "")
		reload := fs.Bool("reload", false, "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapServiceOp(cmd, pos, *enable, *disable, *reload) })
	case "logs":
		n := fs.StringP("n", "n", "10", "")
		follow := fs.BoolP("follow", "f", false, "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapLogs(pos, *n, *follow) })
	case "install", "refresh", "remove":
		var o snapOpFlags
		fs.StringVar(&o.channel, "channel", "", "")
		for _, risk := range []string{"stable", "candidate", "beta", "edge"} {
			o.risk = append(o.risk, fs.Bool(risk, false, ""))
		}
		fs.BoolVar(&o.opts.Classic, "classic", false, "")
		fs.BoolVar(&o.opts.Dangerous, "dangerous", false, "")
		fs.BoolVar(&o.opts.DevMode, "devmode", false, "")
		fs.BoolVar(&o.opts.Amend, "amend", false, "")
		fs.BoolVar(&o.opts.Purge, "purge", false, "")
		fs.StringVar(&o.opts.Revision, "revision", "", "")
		return t.parse(fs, rest, func(pos []string) int { return t.snapOp(cmd, pos, o) })
	}
	return t.unsupported("snap", cmd)
}

func (t *tools) parse(fs *pflag.FlagSet, args []string, run func([]string) int) int {
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(t.env.Stderr, "error: %v\n", err)
		return 1
	}
	return run(fs.Args())
}

func tabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 5, 3, 2, ' ', 0) }

// publisher is longPublisher/shortPublisher without escapes.
func publisher(p *client.Snap, long bool) string {
	if p.Publisher == nil {
		return "-"
	}
	if long && !strings.EqualFold(strings.ReplaceAll(p.Publisher.Username, "-", " "), p.Publisher.DisplayName) {
		return fmt.Sprintf("%s (%s)", p.Publisher.DisplayName, p.Publisher.Username)
	}
	if long {
		return p.Publisher.DisplayName
	}
	return p.Publisher.Username
}

func fmtChannel(ch string) string {
	if ch == "" {
		return "-"
	}
	if strings.Count(ch, "/") != 2 {
		return ch
	}
	return ch[:strings.LastIndexByte(ch, '/')+1] + "…"
}

// notes is cmd/snap's NotesFromLocal(...).String() for what the fake
// snapd reports.
func notes(s *client.Snap) string {
	var ns []string
	switch s.Type {
	case "", "app":
	case "os":
		ns = append(ns, "core")
	default:
		ns = append(ns, s.Type)
	}
	if s.Status != client.StatusActive {
		ns = append(ns, "disabled")
	}
	if s.DevMode {
		ns = append(ns, "devmode")
	}
	if s.JailMode {
		ns = append(ns, "jailmode")
	}
	if !s.JailMode && s.Confinement == client.ClassicConfinement {
		ns = append(ns, "classic")
	}
	if len(ns) == 0 {
		return "-"
	}
	return strings.Join(ns, ",")
}

func (t *tools) snapList(names []string, all bool) int {
	snaps, err := t.cli.List(names, &client.ListOptions{All: all})
	if err == client.ErrNoSnapsInstalled || (err == nil && len(snaps) == 0) {
		if len(names) == 0 {
			fmt.Fprintln(t.env.Stderr, "No snaps are installed yet. Try 'snap install hello-world'.")
			return 0
		}
		fmt.Fprintln(t.env.Stderr, "error: no matching snaps installed")
		return 1
	}
	if err != nil {
		return t.snapError(err, "")
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Name < snaps[j].Name })
	w := tabWriter(t.env.Stdout)
	fmt.Fprintln(w, "Name\tVersion\tRev\tTracking\tPublisher\tNotes")
	for _, s := range snaps {
		fmt.Fprintln(w, strings.Join([]string{s.Name, s.Version, s.Revision.String(), fmtChannel(s.TrackingChannel), publisher(s, false), notes(s)}, "\t"))
	}
	w.Flush()
	return 0
}

func (t *tools) snapInfo(pos []string) int {
	if len(pos) != 1 {
		fmt.Fprintln(t.env.Stderr, "error: jujusim's snap info takes exactly one snap name")
		return 1
	}
	name := pos[0]
	local, _, lerr := t.cli.Snap(name)
	remote, _, rerr := t.cli.FindOne(name)
	if lerr != nil && rerr != nil {
		fmt.Fprintf(t.env.Stderr, "error: no snap found for %q\n", name)
		return 1
	}
	s := local
	if s == nil {
		s = remote
	}
	w := tabWriter(t.env.Stdout)
	fmt.Fprintf(w, "name:\t%s\n", s.Name)
	fmt.Fprintf(w, "summary:\t%s\n", s.Summary)
	fmt.Fprintf(w, "publisher:\t%s\n", publisher(s, true))
	fmt.Fprintf(w, "license:\t%s\n", orUnset(s.License))
	w.Flush()
	desc := strings.TrimSpace(s.Description)
	if desc == "" {
		desc = s.Summary
	}
	fmt.Fprintln(t.env.Stdout, "description: |")
	for _, l := range strings.Split(desc, "\n") {
		fmt.Fprintln(t.env.Stdout, "  "+l)
	}
	if local != nil {
		var cmds []string
		var svcs []client.AppInfo
		for _, a := range local.Apps {
			if a.IsService() {
				svcs = append(svcs, a)
			} else {
				cmds = append(cmds, joinSnapApp(a.Snap, a.Name))
			}
		}
		if len(cmds) > 0 {
			fmt.Fprintln(t.env.Stdout, "commands:")
			for _, c := range cmds {
				fmt.Fprintln(t.env.Stdout, "  - "+c)
			}
		}
		if len(svcs) > 0 {
			fmt.Fprintln(t.env.Stdout, "services:")
			w := tabWriter(t.env.Stdout)
			for _, a := range svcs {
				fmt.Fprintf(w, "  %s:\t%s, %s, %s\n", joinSnapApp(a.Snap, a.Name), a.Daemon, enabledWord(a.Enabled), activeWord(a.Active))
			}
			w.Flush()
		}
	}
	w = tabWriter(t.env.Stdout)
	if s.ID != "" {
		fmt.Fprintf(w, "snap-id:\t%s\n", s.ID)
	}
	if local != nil && local.TrackingChannel != "" {
		fmt.Fprintf(w, "tracking:\t%s\n", local.TrackingChannel)
	}
	if local != nil && !local.InstallDate.IsZero() {
		fmt.Fprintf(w, "refresh-date:\t%s\n", local.InstallDate.UTC().Format("2006-01-02"))
	}
	w.Flush()
	if remote != nil && len(remote.Channels) > 0 {
		fmt.Fprintln(t.env.Stdout, "channels:")
		w := tabWriter(t.env.Stdout)
		keys := slices.Sorted(maps.Keys(remote.Channels))
		for _, k := range keys {
			c := remote.Channels[k]
			fmt.Fprintf(w, "  %s:\t%s %s\t(%s)\t%s\t-\n", k, c.Version, c.ReleasedAt.UTC().Format("2006-01-02"), c.Revision, size(c.Size))
		}
		w.Flush()
	}
	if local != nil {
		fmt.Fprintf(t.env.Stdout, "installed:          %s            (%s) %s %s\n", local.Version, local.Revision, size(local.InstalledSize), notes(local))
	}
	return 0
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func size(n int64) string {
	switch {
	case n >= 1e6:
		return strconv.FormatInt(n/1e6, 10) + "MB"
	case n >= 1e3:
		return strconv.FormatInt(n/1e3, 10) + "kB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// joinSnapApp is snap.JoinSnapApp: an app named after its snap is the snap.
func joinSnapApp(snapName, app string) string {
	if snapName == app {
		return app
	}
	return snapName + "." + app
}

func enabledWord(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func activeWord(b bool) string {
	if b {
		return "active"
	}
	return "inactive"
}

func (t *tools) snapGet(pos []string, doc, list bool) int {
	if len(pos) == 0 {
		fmt.Fprintln(t.env.Stderr, "error: the required argument `<snap>` was not provided")
		return 1
	}
	name, keys := pos[0], pos[1:]
	conf, err := t.cli.Conf(name, keys)
	if err != nil {
		return t.snapError(err, name)
	}
	if doc {
		return t.printJSON(conf)
	}
	if len(keys) == 0 && len(conf) == 0 {
		fmt.Fprintf(t.env.Stderr, "error: snap %q has no configuration\n", name)
		return 1
	}
	var v any = conf
	if len(keys) == 1 {
		if _, isMap := conf[keys[0]].(map[string]any); !isMap {
			v = conf[keys[0]]
		}
	}
	if m, ok := v.(map[string]any); ok {
		if !list {
			// Without a terminal the real snap prints JSON and warns.
			fmt.Fprintln(t.env.Stderr, "WARNING: The output of 'snap get' will become a list with columns - use -d or -l to force the output format.")
			return t.printJSON(m)
		}
		w := tabWriter(t.env.Stdout)
		fmt.Fprintln(w, "Key\tValue")
		for _, kv := range flatten(m, len(keys) == 0) {
			fmt.Fprintf(w, "%s\t%v\n", kv[0], kv[1])
		}
		w.Flush()
		return 0
	}
	if s, ok := v.(string); ok {
		fmt.Fprintln(t.env.Stdout, s)
		return 0
	}
	if v == nil {
		fmt.Fprintln(t.env.Stdout)
		return 0
	}
	return t.printJSON(v)
}

func flatten(cfg map[string]any, root bool) [][2]any {
	var out [][2]any
	for k, v := range cfg {
		sub, ok := v.(map[string]any)
		switch {
		case !ok:
			out = append(out, [2]any{k, v})
		case root:
			out = append(out, [2]any{k, "{...}"})
		default:
			for kk, vv := range sub {
				if _, ok := vv.(map[string]any); ok {
					vv = "{...}"
				}
				out = append(out, [2]any{k + "." + kk, vv})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].(string) < out[j][0].(string) })
	return out
}

func (t *tools) printJSON(v any) int {
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		fmt.Fprintf(t.env.Stderr, "error: %v\n", err)
		return 1
	}
	fmt.Fprintln(t.env.Stdout, string(data))
	return 0
}

// snapSet is `snap set SNAP k=v...` (values JSON when they parse as JSON,
// else strings; `k!` unsets) and `snap unset SNAP k...`.
func (t *tools) snapSet(pos []string, asString, unset bool) int {
	if len(pos) < 2 {
		fmt.Fprintln(t.env.Stderr, "error: the required arguments `<snap>` and `<conf value>` were not provided")
		return 1
	}
	name := pos[0]
	patch := map[string]any{}
	for _, kv := range pos[1:] {
		if unset {
			patch[kv] = nil
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			if strings.HasSuffix(kv, "!") {
				patch[strings.TrimSuffix(kv, "!")] = nil
				continue
			}
			fmt.Fprintf(t.env.Stderr, "error: invalid configuration: %q (want key=value)\n", kv)
			return 1
		}
		var val any = v
		if !asString {
			var parsed any
			if json.Unmarshal([]byte(v), &parsed) == nil {
				val = parsed
			}
		}
		patch[k] = val
	}
	id, err := t.cli.SetConf(name, patch)
	if err == nil {
		err = t.wait(id)
	}
	if err != nil {
		return t.snapError(err, name)
	}
	return 0
}

func (t *tools) snapServices(pos []string) int {
	apps, err := t.cli.Apps(pos, client.AppOptions{Service: true})
	if err != nil {
		return t.snapError(err, "")
	}
	if len(apps) == 0 {
		fmt.Fprintln(t.env.Stderr, "There are no services provided by installed snaps.")
		return 0
	}
	w := tabWriter(t.env.Stdout)
	fmt.Fprintln(w, "Service\tStartup\tCurrent\tNotes")
	for _, a := range apps {
		fmt.Fprintf(w, "%s.%s\t%s\t%s\t%s\n", a.Snap, a.Name, enabledWord(a.Enabled), activeWord(a.Active), clientutil.ClientAppInfoNotes(a))
	}
	w.Flush()
	return 0
}

func (t *tools) snapServiceOp(verb string, names []string, enable, disable, reload bool) int {
	if len(names) == 0 {
		fmt.Fprintln(t.env.Stderr, "error: the required argument `<service> (at least 1 argument)` was not provided")
		return 1
	}
	var id string
	var err error
	switch verb {
	case "start":
		id, err = t.cli.Start(names, client.StartOptions{Enable: enable})
	case "stop":
		id, err = t.cli.Stop(names, client.StopOptions{Disable: disable})
	default:
		id, err = t.cli.Restart(names, client.RestartOptions{Reload: reload})
	}
	if err == nil {
		err = t.wait(id)
	}
	if err != nil {
		return t.snapError(err, "")
	}
	fmt.Fprintln(t.env.Stdout, map[string]string{"start": "Started.", "stop": "Stopped.", "restart": "Restarted."}[verb])
	return 0
}

func (t *tools) snapLogs(names []string, n string, follow bool) int {
	if len(names) == 0 {
		fmt.Fprintln(t.env.Stderr, "error: the required argument `<service> (at least 1 argument)` was not provided")
		return 1
	}
	count := -1
	if n != "all" {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			fmt.Fprintf(t.env.Stderr, "error: invalid argument for flag ‘-n’: expected a non-negative integer argument, or “all”.\n")
			return 1
		}
		count = v
	}
	logs, err := t.cli.Logs(names, client.LogOptions{N: count, Follow: follow})
	if err != nil {
		return t.snapError(err, "")
	}
	for l := range logs {
		fmt.Fprintln(t.env.Stdout, l.String())
	}
	return 0
}

type snapOpFlags struct {
	channel string
	risk    []*bool // --stable, --candidate, --beta, --edge
	opts    client.SnapOptions
}

func (o snapOpFlags) channelName() string {
	if o.channel != "" {
		return o.channel
	}
	for i, risk := range []string{"stable", "candidate", "beta", "edge"} {
		if *o.risk[i] {
			return risk
		}
	}
	return ""
}

// snapOp is install, refresh and remove of one snap.
func (t *tools) snapOp(verb string, pos []string, o snapOpFlags) int {
	if len(pos) == 0 {
		if verb == "refresh" {
			return t.unsupported("snap", "refresh (of every snap)")
		}
		fmt.Fprintln(t.env.Stderr, "error: the required argument `<snap> (at least 1 argument)` was not provided")
		return 1
	}
	if len(pos) > 1 {
		return t.unsupported("snap", verb+" of several snaps at once")
	}
	opts := o.opts
	opts.Channel = o.channelName()
	name := pos[0]
	var id string
	var err error
	switch {
	case verb == "install" && (strings.HasSuffix(name, ".snap") || strings.Contains(name, "/")):
		id, err = t.cli.InstallPath(name, "", &opts)
		name = ""
	case verb == "install":
		id, err = t.cli.Install(name, &opts)
	case verb == "refresh":
		id, err = t.cli.Refresh(name, &opts)
	default:
		id, err = t.cli.Remove(name, &opts)
	}
	if err == nil {
		err = t.wait(id)
	}
	if err != nil {
		return t.snapError(err, name)
	}
	if verb == "remove" {
		fmt.Fprintf(t.env.Stdout, "%s removed\n", name)
		return 0
	}
	if name == "" {
		chg, err := t.cli.Change(id)
		if err == nil {
			_ = chg.Get("snap-name", &name)
		}
	}
	s, _, err := t.cli.Snap(name)
	if err != nil {
		return t.snapError(err, name)
	}
	chStr := ""
	if s.TrackingChannel != "" {
		if ch, err := channel.Parse(s.TrackingChannel, ""); err == nil && ch.Name != "stable" {
			chStr = " (" + ch.Name + ")"
		}
	}
	done := map[string]string{"install": "installed", "refresh": "refreshed"}[verb]
	if s.Publisher != nil {
		fmt.Fprintf(t.env.Stdout, "%s%s %s from %s %s\n", s.Name, chStr, s.Version, publisher(s, true), done)
	} else {
		fmt.Fprintf(t.env.Stdout, "%s%s %s %s\n", s.Name, chStr, s.Version, done)
	}
	return 0
}
