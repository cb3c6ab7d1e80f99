package controller

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

func machineDir(home, id string) string { return filepath.Join(home, "machines", id) }

func (c *Controller) jujucSocket() string { return filepath.Join(c.cfg.Home, JujucSocket) }

// hostAddress returns the n-th host address of the model's subnet.
func hostAddress(subnet string, n int) (string, string, error) {
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return "", "", fmt.Errorf("cannot use subnet %q: %w", subnet, err)
	}
	p = p.Masked()
	a := p.Addr()
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	if !p.Contains(a) || !a.Next().IsValid() || !p.Contains(a.Next()) {
		return "", "", fmt.Errorf("subnet %s has no address left for machine %d", subnet, n)
	}
	return a.String(), p.String(), nil
}

// addMachineLocked creates the machine for a new unit: its root dir, its
// address (127.0.1.N without isolation; an address on the bridge with
// netns), the unit's charm dir (a copy of the stored charm), hook tools
// and attached storage (the app's --storage counts, else each store's
// minimum), then starts it. arch is the machine's architecture.
func (c *Controller) addMachineLocked(u *model.Unit, a *model.Application, arch string) (err error) {
	m := c.model
	defer func() {
		if err != nil {
			_ = os.RemoveAll(machineDir(c.cfg.Home, strconv.Itoa(m.NextMachine)))
			u.Storage = nil
		}
	}()
	id := strconv.Itoa(m.NextMachine)
	offset := m.NextMachine + 1
	if m.Isolation == "netns" {
		offset = m.NextMachine + 2 // .1 is the bridge
	}
	addr, cidr, err := hostAddress(m.Subnet, offset)
	if err != nil {
		return err
	}
	root := filepath.Join(machineDir(c.cfg.Home, id), "root")
	mc := &model.Machine{
		ID: id, Address: addr, CIDR: cidr, Root: root, Iface: "lo",
		MAC:     fmt.Sprintf("00:16:3e:%02x:%02x:%02x", (m.NextMachine>>16)&0xff, (m.NextMachine>>8)&0xff, m.NextMachine&0xff),
		Created: c.now().UTC(), Arch: arch,
	}
	if m.Isolation == "netns" {
		mc.Iface = "eth0"
		mc.NetNS = c.netnsName(id)
	}
	for _, d := range []string{"run", "tmp", "etc", "var/lib/juju", "snap/bin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return fmt.Errorf("cannot create machine %s: %w", id, err)
		}
	}
	paths := agent.UnitPaths(root, u.Name)
	if err := c.deployCharmLocked(a, paths); err != nil {
		return err
	}
	if c.cfg.JujucBinary != "" {
		if err := jujuc.InstallTools(paths.Tools, c.cfg.JujucBinary); err != nil {
			return err
		}
	}
	ch, err := c.charms.Get(a.CharmPath)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(ch.Meta().Storage) {
		s := ch.Meta().Storage[name]
		count, ok := a.Storage[name]
		if !ok {
			count = s.CountMin
		}
		if err := c.attachStorageLocked(a, u, root, name, s, count); err != nil {
			return err
		}
	}
	m.NextMachine++
	m.Machines[id] = mc
	u.Machine = id
	return c.startMachineLocked(mc)
}

// deployCharmLocked deploys the app's stored charm into the unit's charm
// dir, as the agent's charm deployer does on install and upgrade: files the
// charm wrote there itself are kept (see deployCharmDir).
func (c *Controller) deployCharmLocked(a *model.Application, paths agent.Paths) error {
	return deployCharmDir(a.CharmPath, paths.Charm, filepath.Join(paths.Base, "state", "deployer", "manifest"))
}

// startMachineLocked (re)creates the machine's network namespace, links
// its machine tools and starts its fake snapd when configured.
func (c *Controller) startMachineLocked(mc *model.Machine) error {
	if err := c.prepareMachineOSLocked(mc); err != nil {
		return err
	}
	if mc.NetNS != "" {
		if err := c.setupNetNSLocked(mc); err != nil {
			return err
		}
	}
	if c.cfg.Snapd != nil {
		return c.startSnapdLocked(mc)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
