package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// hookKind is one hook the benchmark re-runs through jujusim exec, in a
// hook context of the unit (exec gives the hook tools and Juju's
// environment; the variables below make the charm see the named hook).
type hookKind struct {
	label string
	env   string
	// goal is issue #17's for the hook re-run quiet ("" none).
	goal string
}

// Issue #17's goals for quiet hooks: the charm's own time net of its
// hook-tool calls, and for update-status the number of calls.
const (
	quietGoal        = "p50 < 20 ms net"
	updateStatusGoal = "p50 < 20 ms net, ≤ 6 tool calls"
)

// measureHooks runs each hook kind and action runs times on unit and
// reports the charm binary's wall time and peak RSS from the wrapper's
// records. It also measures jujusim's own costs: the round trip of a no-op
// exec (what jujusim adds around every hook, not in the charm figures) and
// one hook-tool call (which the charm figures do include).
func measureHooks(s *Sim, res *Results, unit, self string, runs int) error {
	out, err := s.Run("exec", unit, "--", "relation-ids cluster; relation-ids db")
	if err != nil {
		return err
	}
	var clusterID, dbID string
	for _, l := range strings.Fields(out) {
		switch {
		case strings.HasPrefix(l, "cluster:"):
			clusterID = l
		case strings.HasPrefix(l, "db:"):
			dbID = l
		}
	}
	if clusterID == "" || dbID == "" {
		return fmt.Errorf("cannot find the cluster and db relations on %s: %q", unit, out)
	}
	peer := "etcd/1"
	if unit == peer {
		peer = "etcd/0"
	}
	kinds := []hookKind{
		{"install", "JUJU_HOOK_NAME=install", ""},
		{"config-changed", "JUJU_HOOK_NAME=config-changed", quietGoal},
		{"cluster-relation-changed", fmt.Sprintf("JUJU_HOOK_NAME=cluster-relation-changed JUJU_RELATION=cluster JUJU_RELATION_ID=%s JUJU_REMOTE_UNIT=%s JUJU_REMOTE_APP=etcd", clusterID, peer), quietGoal},
		{"update-status", "JUJU_HOOK_NAME=update-status", updateStatusGoal},
		{"db-relation-changed", fmt.Sprintf("JUJU_HOOK_NAME=db-relation-changed JUJU_RELATION=db JUJU_RELATION_ID=%s JUJU_REMOTE_UNIT=etcd-client/0 JUJU_REMOTE_APP=etcd-client", dbID), quietGoal},
	}
	start := time.Now()
	for _, k := range kinds {
		name := strings.TrimPrefix(strings.Fields(k.env)[0], "JUJU_HOOK_NAME=")
		cmd := fmt.Sprintf("ETCDBENCH_EXEC=1 JUJU_DISPATCH_PATH=hooks/%s %s ./dispatch >/dev/null 2>&1", name, k.env)
		for i := 0; i < runs; i++ {
			if _, err := s.Run("exec", unit, "--", cmd); err != nil {
				return fmt.Errorf("hook %s: %w", k.label, err)
			}
		}
	}
	for _, a := range []string{"health", "snapshot"} {
		for i := 0; i < runs; i++ {
			if _, err := s.Run(actionArgs(unit, a, i)...); err != nil {
				return fmt.Errorf("action %s: %w", a, err)
			}
		}
	}
	// One more run of each with the tool-call counter on (slower: kept
	// out of the timings).
	flag := `touch "$SNAPPY_GLOBAL_ROOT/` + CountFlagPath + `"`
	if _, err := s.Run("exec", unit, "--", flag); err != nil {
		return err
	}
	for _, k := range kinds {
		name := strings.TrimPrefix(strings.Fields(k.env)[0], "JUJU_HOOK_NAME=")
		cmd := fmt.Sprintf("ETCDBENCH_EXEC=1 JUJU_DISPATCH_PATH=hooks/%s %s ./dispatch >/dev/null 2>&1", name, k.env)
		if _, err := s.Run("exec", unit, "--", cmd); err != nil {
			return fmt.Errorf("counting hook %s: %w", k.label, err)
		}
	}
	for _, a := range []string{"health", "snapshot"} {
		if _, err := s.Run(actionArgs(unit, a, runs)...); err != nil {
			return fmt.Errorf("counting action %s: %w", a, err)
		}
	}
	if _, err := s.Run("exec", unit, "--", `rm -f "$SNAPPY_GLOBAL_ROOT/`+CountFlagPath+`"`); err != nil {
		return err
	}

	// jujusim's own overhead, measured apart.
	var execRT []time.Duration
	for i := 0; i < runs; i++ {
		t := time.Now()
		if _, err := s.Run("exec", unit, "--", "true"); err != nil {
			return err
		}
		execRT = append(execRT, time.Since(t))
	}
	loop := fmt.Sprintf(`s=$(date +%%s%%N); for i in $(seq %d); do is-leader >/dev/null; done; e=$(date +%%s%%N); echo $(( (e-s)/%d ))`, runs, runs)
	out, err = s.Run("exec", unit, "--", loop)
	if err != nil {
		return err
	}
	toolNS, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		return fmt.Errorf("cannot read the hook-tool timing %q: %w", out, err)
	}

	// The baseline: a static binary's start and one TLS round trip to
	// the same unit's etcd, with the charm's client credentials.
	var base time.Duration
	baseline := "-"
	if url, creds, err := probeTarget(s, unit); err != nil {
		res.note("hook baseline: %v", err)
	} else if walls, err := probeBaseline(self, url, creds, runs); err != nil {
		res.note("hook baseline: %v", err)
	} else {
		base = quantile(walls, 0.5)
		baseline = "static binary + 1 TLS round trip: p50 " + msec(base)
	}

	recs, err := ReadHookRecords(s.Home)
	if err != nil {
		return err
	}
	report := func(label, dispatch, goal string, keep func(HookRecord) bool) {
		var walls []time.Duration
		var rss []int64
		failed, calls := 0, -1
		for _, r := range recs {
			if r.Dispatch != dispatch || !keep(r) {
				continue
			}
			if r.Counted {
				calls = r.ToolCalls
				continue
			}
			if r.Code != 0 {
				failed++
			}
			walls = append(walls, r.Wall())
			rss = append(rss, r.MaxRSSKB)
		}
		if len(walls) == 0 {
			res.fail("hook "+label, fmt.Errorf("no runs recorded"))
			return
		}
		p50, p95 := quantile(walls, 0.5), quantile(walls, 0.95)
		value := fmt.Sprintf("p50 %s, p95 %s", msec(p50), msec(p95))
		net := p50
		if calls >= 0 {
			// jujusim serves every hook-tool call: take its measured cost
			// out, as the issue asks.
			sim := time.Duration(calls) * time.Duration(toolNS)
			net = max(p50-sim, 0)
			value = fmt.Sprintf("p50 %s, p95 %s net of %d tool calls (raw p50 %s)", msec(net), msec(max(p95-sim, 0)), calls, msec(p50))
		}
		value += fmt.Sprintf("; RSS p50 %.1f MB, max %.1f MB", float64(quantileInt(rss, 0.5))/1024, float64(quantileInt(rss, 1))/1024)
		ops := "-"
		if calls >= 0 {
			ops = fmt.Sprintf("1 run, %d tool calls", calls)
		}
		if goal == "" {
			goal = "-"
		}
		res.add(Row{
			Figure:   fmt.Sprintf("%s (n=%d)", label, len(walls)),
			Value:    value,
			Baseline: baseline,
			Ratio:    ratio(float64(net), float64(base)),
			Ops:      ops,
			Goal:     goal,
		})
		if failed > 0 {
			res.note("%s: %d of %d runs exited non-zero", label, failed, len(walls))
		}
	}
	report("first install (deploy, incl. snap install)", "hooks/install", "", func(r HookRecord) bool { return !r.Exec })
	for _, k := range kinds {
		name := strings.TrimPrefix(strings.Fields(k.env)[0], "JUJU_HOOK_NAME=")
		report("hook "+k.label, "hooks/"+name, k.goal, func(r HookRecord) bool { return r.Exec && r.Start >= start.UnixNano() })
	}
	for _, a := range []string{"health", "snapshot"} {
		report("action "+a, "actions/"+a, "", func(r HookRecord) bool { return r.Start >= start.UnixNano() })
	}
	res.add(Row{
		Figure:   "jujusim overhead: no-op exec round trip / one hook-tool call",
		Value:    fmt.Sprintf("%s / %s", msec(quantile(execRT, 0.5)), msec(time.Duration(toolNS))),
		Baseline: "-", Ratio: "-", Goal: "-",
	})
	return nil
}

// probeTarget is unit's client URL and a directory with the charm's
// client credentials, for the baseline probe.
func probeTarget(s *Sim, unit string) (url, creds string, err error) {
	units, err := s.Units("etcd")
	if err != nil {
		return "", "", err
	}
	u, ok := units[unit]
	if !ok || len(u.OpenPorts) == 0 {
		return "", "", fmt.Errorf("%s has no open client port", unit)
	}
	if creds, err = s.credentials(unit); err != nil {
		return "", "", err
	}
	return "https://" + u.PublicAddress + ":" + strings.TrimSuffix(u.OpenPorts[0], "/tcp"), creds, nil
}

// actionArgs runs action a on unit for the i-th time. Each snapshot goes
// to its own directory: the archive is named after the current second,
// and the action waits for the next second rather than overwrite an
// archive of the same name, which back-to-back runs would measure.
func actionArgs(unit, a string, i int) []string {
	args := []string{"run", unit, a}
	if a == "snapshot" {
		args = append(args, fmt.Sprintf("target=/home/ubuntu/etcd-snapshots/bench-%d", i))
	}
	return args
}
