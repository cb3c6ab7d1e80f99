package charm

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// etcd binds its client and peer listeners as it starts, and a port some
// other process holds makes it exit ("address already in use"), again on
// every restart snapd makes: the member crash-loops with the reason only
// in the snap's log. A config that moves a listener is therefore checked
// before the member asks for the restart lock or restarts: each address
// the new config listens on that the running etcd does not hold already
// must be free.

// Listener is an address etcd would listen on and the option that put it
// there.
type Listener struct {
	Option  string // "port", "management_port", "bind_with_insecure_http"
	Address string // host:port, as net.Listen takes it
}

// NewListeners lists the listeners of the rendered etcd.conf.yml that
// the running one (nil: etcd does not run) does not already hold. A port
// the running etcd listens on counts as held whatever the address, so a
// swap of port and management_port, or a bind change, is not refused for
// the ports etcd frees as it restarts.
func NewListeners(cfg Config, rendered, running []byte) ([]Listener, error) {
	want, err := ParseEtcdConfig(rendered)
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	if running != nil {
		if now, err := ParseEtcdConfig(running); err == nil {
			for _, a := range listenAddresses(now) {
				_, port, _ := net.SplitHostPort(a)
				held[port] = true
			}
		}
	}
	var out []Listener
	for _, a := range listenAddresses(want) {
		_, port, _ := net.SplitHostPort(a)
		if held[port] {
			continue
		}
		out = append(out, Listener{Option: portOption(cfg, port), Address: a})
	}
	return out, nil
}

// listenAddresses are the host:port pairs of an etcd.conf.yml's listen
// URLs, client and peer.
func listenAddresses(c EtcdConfig) []string {
	var out []string
	for _, list := range []string{c.ListenClientURLs, c.ListenPeerURLs} {
		for _, raw := range strings.Split(list, ",") {
			u, err := url.Parse(strings.TrimSpace(raw))
			if err != nil || u.Host == "" {
				continue
			}
			out = append(out, u.Host)
		}
	}
	return out
}

func portOption(cfg Config, port string) string {
	switch port {
	case fmt.Sprint(cfg.Port):
		return "port"
	case fmt.Sprint(cfg.ManagementPort):
		return "management_port"
	}
	return "bind_with_insecure_http"
}

// BusyMessage is the blocked status for a listener another process holds.
func (l Listener) BusyMessage(running bool) string {
	_, port, _ := net.SplitHostPort(l.Address)
	keep := "etcd does not start until it is free"
	if running {
		keep = "etcd keeps serving on its current ports"
	}
	return fmt.Sprintf("Port %s (%s) is in use on this machine (%s); %s. Free it or choose another %s.", port, l.Option, l.Address, keep, l.Option)
}
