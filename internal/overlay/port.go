package overlay

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Port is one port range as open-port takes it: 2379/tcp, 8000-8080/udp
// or icmp (Protocol "icmp", From and To 0). Endpoints is nil for "all
// endpoints" (open-port --endpoints).
type Port struct {
	From, To  int
	Protocol  string
	Endpoints []string
}

// String renders a range as Juju does: "80/tcp", "8000-8080/udp", "icmp".
func (p Port) String() string {
	if p.Protocol == "icmp" {
		return "icmp"
	}
	if p.From == p.To {
		return fmt.Sprintf("%d/%s", p.From, p.Protocol)
	}
	return fmt.Sprintf("%d-%d/%s", p.From, p.To, p.Protocol)
}

// Same reports whether p and q are the same range, whatever their
// endpoints.
func (p Port) Same(q Port) bool {
	return p.From == q.From && p.To == q.To && p.Protocol == q.Protocol
}

// Compare orders ranges as opened-ports lists them: by protocol, then port.
func (p Port) Compare(q Port) int {
	return cmp.Or(cmp.Compare(p.Protocol, q.Protocol), cmp.Compare(p.From, q.From), cmp.Compare(p.To, q.To))
}

// ParsePort parses open-port's argument: <port>[/<proto>],
// <from>-<to>[/<proto>] or icmp; input is lower-cased, the protocol
// defaults to tcp. Error texts are Juju's (core/network/portrange.go).
func ParsePort(s string) (Port, error) {
	s = strings.ToLower(s)
	if s == "icmp" {
		return Port{Protocol: "icmp"}, nil
	}
	ports, proto := s, "tcp"
	if i := strings.Index(s, "/"); i >= 0 {
		ports, proto = s[:i], s[i+1:]
	}
	from, to := ports, ports
	if i := strings.Index(ports, "-"); i >= 0 {
		from, to = ports[:i], ports[i+1:]
	}
	var p Port
	var err error
	if p.From, err = strconv.Atoi(from); err != nil {
		return Port{}, fmt.Errorf("invalid port %q: %v", from, err)
	}
	if p.To, err = strconv.Atoi(to); err != nil {
		return Port{}, fmt.Errorf("invalid port %q: %v", to, err)
	}
	p.Protocol = proto
	return p, p.validate()
}

func (p Port) validate() error {
	switch p.Protocol {
	case "tcp", "udp":
	case "icmp":
		return fmt.Errorf(`protocol "icmp" doesn't support any ports; got "%d-%d"`, p.From, p.To)
	default:
		return fmt.Errorf(`invalid protocol %q, expected "tcp", "udp", or "icmp"`, p.Protocol)
	}
	if p.From > p.To {
		return fmt.Errorf("invalid port range %s", p)
	}
	if p.From < 0 || p.From > 65535 || p.To < 0 || p.To > 65535 {
		return fmt.Errorf("port range bounds must be between 0 and 65535, got %d-%d", p.From, p.To)
	}
	return nil
}

// SetPort opens p in ports (re-opening replaces the same range, so its
// endpoints are the latest) or closes it, and returns the list sorted as
// opened-ports lists it. ports is not modified.
func SetPort(ports []Port, p Port, open bool) []Port {
	out := slices.DeleteFunc(slices.Clone(ports), p.Same)
	if open {
		out = append(out, p)
	}
	slices.SortFunc(out, Port.Compare)
	return out
}
