package jujuc

import (
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// ParsePortRange parses open-port's argument: <port>[/<proto>],
// <from>-<to>[/<proto>] or icmp, with Juju's error texts.
func ParsePortRange(s string) (PortRange, error) { return overlay.ParsePort(s) }

// open-port / close-port <range> [--endpoints a,b]: buffered until the hook
// commits; a close cancels a pending open of the same range. One command
// serves both names.
type portCommand struct {
	base
	endpoints string
	format    string
	ports     PortRange
}

func newPortCommand(b base) cmd.Command { return &portCommand{base: b} }

func (c *portCommand) SetFlags(f *gnuflag.FlagSet) {
	f.StringVar(&c.endpoints, "endpoints", "", "a comma-delimited list of application endpoints to target with this operation")
	f.StringVar(&c.format, "format", "", "deprecated format flag")
}

func (c *portCommand) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("no port or range specified")
	}
	p, err := ParsePortRange(args[0])
	if err != nil {
		return err
	}
	for _, ep := range strings.Split(c.endpoints, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			p.Endpoints = append(p.Endpoints, ep)
		}
	}
	c.ports = p
	return cmd.CheckEmpty(args[1:])
}

func (c *portCommand) Run(*cmd.Context) error {
	if c.name == "close-port" {
		return c.ctx.ClosePortRange(c.ports)
	}
	return c.ctx.OpenPortRange(c.ports)
}

// opened-ports [--endpoints]: this unit's committed ranges (not this hook's
// pending opens), deduplicated, sorted by protocol then port.
type openedPorts struct {
	outputTool
	endpoints bool
}

func newOpenedPorts(b base) cmd.Command { return &openedPorts{outputTool: outputTool{base: b}} }

func (c *openedPorts) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	f.BoolVar(&c.endpoints, "endpoints", false, "display the list of target application endpoints for each port range")
}

func (c *openedPorts) Run(ctx *cmd.Context) error {
	ranges, err := c.ctx.OpenedPortRanges()
	if err != nil {
		return err
	}
	type key struct {
		from, to int
		proto    string
	}
	eps := map[key]map[string]bool{}
	var keys []key
	for _, r := range ranges {
		k := key{r.From, r.To, r.Protocol}
		if eps[k] == nil {
			eps[k] = map[string]bool{}
			keys = append(keys, k)
		}
		if len(r.Endpoints) == 0 {
			eps[k]["*"] = true
		}
		for _, ep := range r.Endpoints {
			eps[k][ep] = true
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.proto != b.proto {
			return a.proto < b.proto
		}
		if a.from != b.from {
			return a.from < b.from
		}
		return a.to < b.to
	})
	result := make([]string, 0, len(keys))
	for _, k := range keys {
		s := PortRange{From: k.from, To: k.to, Protocol: k.proto}.String()
		if c.endpoints {
			names := slices.Sorted(maps.Keys(eps[k]))
			s += " (" + strings.Join(names, ", ") + ")"
		}
		result = append(result, s)
	}
	return c.out.Write(ctx, result)
}
