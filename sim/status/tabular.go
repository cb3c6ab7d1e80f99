package status

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/juju/ansiterm"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// newTab is Juju's status tabwriter: minwidth 0, tabwidth 1, padding 2.
func newTab(w io.Writer) *ansiterm.TabWriter {
	return ansiterm.NewTabWriter(w, 0, 1, 2, ' ', 0)
}

// bareHook matches the hook kinds whose name prefixes the message while
// they run (relation hooks do not match).
var bareHook = regexp.MustCompile(`^running (install|start|config-changed|upgrade-charm|stop|remove|leader-elected|leader-settings-changed|update-status) hook$`)

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// WriteTabular writes `juju status` tabular output. Local charms have no
// channel.
func WriteTabular(w io.Writer, s Status, relations bool) error {
	return writeTabular(w, s, relations, "")
}

func writeTabular(w io.Writer, s Status, relations bool, channel string) error {
	tw := newTab(w)
	fmt.Fprintln(tw, "Model\tController\tCloud/Region\tVersion\tSLA\tTimestamp")
	fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\t%s\t%s\n", s.Model.Name, s.Model.Controller, s.Model.Cloud, s.Model.Region, s.Model.Version, s.Model.SLA, s.Controller.Timestamp)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Applications) == 0 {
		_, err := fmt.Fprintf(w, "\nModel %q is empty.\n", s.Model.Name)
		return err
	}
	apps := slices.Sorted(maps.Keys(s.Applications))

	fmt.Fprintln(w)
	tw = newTab(w)
	tw.SetColumnAlignRight(3)
	tw.SetColumnAlignRight(6)
	fmt.Fprintln(tw, "App\tVersion\tStatus\tScale\tCharm\tChannel\tRev\tExposed\tMessage")
	for _, n := range apps {
		a := s.Applications[n]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", n, truncate(a.Version, 15), a.Status.Current, len(a.Units), a.CharmName, channel, a.CharmRev, "no", a.Status.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	tw = newTab(w)
	fmt.Fprintln(tw, "Unit\tWorkload\tAgent\tMachine\tPublic address\tPorts\tMessage")
	for _, n := range apps {
		a := s.Applications[n]
		units := slices.Collect(maps.Keys(a.Units))
		model.SortUnits(units)
		for _, un := range units {
			u := a.Units[un]
			name := un
			if u.Leader {
				name += "*"
			}
			msg := u.WorkloadStatus.Message
			if u.JujuStatus.Current == "executing" {
				if m := bareHook.FindStringSubmatch(u.JujuStatus.Message); m != nil {
					msg = "(" + m[1] + ") " + msg
				} else if act, ok := strings.CutPrefix(u.JujuStatus.Message, "running action "); ok {
					msg = "(" + act + ") " + msg
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, u.WorkloadStatus.Current, u.JujuStatus.Current, u.Machine, u.PublicAddress, TabularPorts(u.OpenPorts), truncate(msg, 120))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	ids := make([]string, 0, len(s.Machines))
	for id := range s.Machines {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return model.UnitNumber("m/"+ids[i]) < model.UnitNumber("m/"+ids[j]) })
	if len(ids) > 0 {
		fmt.Fprintln(w)
		tw = newTab(w)
		fmt.Fprintln(tw, "Machine\tState\tAddress\tInst id\tBase\tAZ\tMessage")
		for _, id := range ids {
			mc := s.Machines[id]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s@%s\t%s\t%s\n", id, mc.JujuStatus.Current, mc.DNSName, mc.InstanceID, mc.Base.Name, mc.Base.Channel, "", mc.MachineStatus.Message)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if relations && len(s.RelationRows) > 0 {
		fmt.Fprintln(w)
		tw = newTab(w)
		fmt.Fprintln(tw, "Integration provider\tRequirer\tInterface\tType\tMessage")
		for _, r := range s.RelationRows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Provider, r.Requirer, r.Interface, r.Type, r.Message)
		}
		return tw.Flush()
	}
	return nil
}

// WriteHistory writes `juju show-status-log` output.
func WriteHistory(w io.Writer, hist []model.StatusInfo) error {
	tw := newTab(w)
	fmt.Fprintln(tw, "Time\tType\tStatus\tMessage")
	for _, h := range hist {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", formatTime(h.Since), h.Kind, h.Status, h.Message)
	}
	return tw.Flush()
}
