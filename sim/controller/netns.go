package controller

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// With --isolation=netns every machine is a network namespace with one
// veth ("eth0" inside) plugged into a bridge the controller creates, and
// an address from the model's private subnet (bridge = .1). Only traffic
// between these namespaces and the bridge exists; nothing is routed out.

func (c *Controller) short() string { return strings.ReplaceAll(c.model.UUID, "-", "")[:6] }

func (c *Controller) bridgeName() string         { return "jsbr" + c.short() }
func (c *Controller) netnsName(id string) string { return "jsim-" + c.short() + "-" + id }
func (c *Controller) vethName(id string) string  { return "js" + c.short() + "v" + id }

func (c *Controller) ip(args ...string) error {
	if c.ipPath == "" {
		p, err := exec.LookPath("ip")
		if err != nil {
			return fmt.Errorf("cannot use netns isolation: %w", err)
		}
		c.ipPath = p
	}
	out, err := exec.Command(c.ipPath, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cannot run ip %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
	return nil
}

func (c *Controller) linkExists(name string) bool {
	return c.ip("link", "show", name) == nil
}

// setupBridge creates the model's bridge with the subnet's first address.
func (c *Controller) setupBridge() error {
	br := c.bridgeName()
	if c.linkExists(br) {
		return nil
	}
	gw, cidr, err := hostAddress(c.model.Subnet, 1)
	if err != nil {
		return err
	}
	bits := cidr[strings.Index(cidr, "/"):]
	for _, args := range [][]string{
		{"link", "add", br, "type", "bridge"},
		{"addr", "add", gw + bits, "dev", br},
		{"link", "set", br, "up"},
	} {
		if err := c.ip(args...); err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) teardownBridge() error {
	if !c.linkExists(c.bridgeName()) {
		return nil
	}
	return c.ip("link", "del", c.bridgeName())
}

func (c *Controller) netnsExists(ns string) bool {
	return c.ip("netns", "exec", ns, "true") == nil
}

// setupNetNSLocked creates the machine's namespace and veth if missing.
func (c *Controller) setupNetNSLocked(mc *model.Machine) error {
	if c.netnsExists(mc.NetNS) {
		return nil
	}
	veth := c.vethName(mc.ID)
	bits := mc.CIDR[strings.Index(mc.CIDR, "/"):]
	for _, args := range [][]string{
		{"netns", "add", mc.NetNS},
		{"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", mc.NetNS},
		{"link", "set", veth, "master", c.bridgeName()},
		{"link", "set", veth, "up"},
		{"-n", mc.NetNS, "addr", "add", mc.Address + bits, "dev", "eth0"},
		{"-n", mc.NetNS, "link", "set", "eth0", "up"},
		{"-n", mc.NetNS, "link", "set", "lo", "up"},
	} {
		if err := c.ip(args...); err != nil {
			return err
		}
	}
	if mc.Partitioned {
		return c.ip("link", "set", veth, "down")
	}
	return nil
}

func (c *Controller) teardownNetNSLocked(mc *model.Machine) error {
	if mc == nil || mc.NetNS == "" {
		return nil
	}
	if c.linkExists(c.vethName(mc.ID)) {
		_ = c.ip("link", "del", c.vethName(mc.ID))
	}
	if c.netnsExists(mc.NetNS) {
		return c.ip("netns", "del", mc.NetNS)
	}
	return nil
}

// partitionLocked cuts (or heals) a unit's machine off the bridge by
// setting its veth down (up).
func (c *Controller) partitionLocked(unit string, cut bool) error {
	u, err := c.model.Unit(unit)
	if err != nil {
		return err
	}
	mc := c.model.Machines[u.Machine]
	if mc.NetNS == "" {
		return fmt.Errorf("cannot partition %s: the model was bootstrapped without --isolation=netns", unit)
	}
	state := "up"
	if cut {
		state = "down"
	}
	if err := c.ip("link", "set", c.vethName(mc.ID), state); err != nil {
		return err
	}
	mc.Partitioned = cut
	return c.saveLocked()
}
