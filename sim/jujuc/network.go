package jujuc

import (
	"errors"
	"fmt"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// unit-get private-address|public-address.
type unitGet struct {
	outputTool
	key string
}

func newUnitGet(b base) cmd.Command { return &unitGet{outputTool: outputTool{base: b}} }

func (c *unitGet) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no setting specified")
	}
	if args[0] != "private-address" && args[0] != "public-address" {
		return fmt.Errorf("unknown setting %q", args[0])
	}
	c.key = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *unitGet) Run(ctx *cmd.Context) error {
	get := c.ctx.PrivateAddress
	if c.key == "public-address" {
		get = c.ctx.PublicAddress
	}
	addr, err := get()
	if err != nil {
		return err
	}
	return c.out.Write(ctx, addr)
}

// The network-get document. Field order is the output order (yaml.v2 and
// encoding/json keep struct order); the legacy duplicate keys are yaml-only,
// as in Juju's params.NetworkInfoResult.
type networkDoc struct {
	BindAddresses    []bindAddressDoc `json:"bind-addresses,omitempty" yaml:"bind-addresses,omitempty"`
	EgressSubnets    []string         `json:"egress-subnets,omitempty" yaml:"egress-subnets,omitempty"`
	IngressAddresses []string         `json:"ingress-addresses,omitempty" yaml:"ingress-addresses,omitempty"`
}

type bindAddressDoc struct {
	MACAddress          string       `json:"mac-address" yaml:"mac-address"`
	InterfaceName       string       `json:"interface-name" yaml:"interface-name"`
	Addresses           []addressDoc `json:"addresses" yaml:"addresses"`
	MACAddressLegacy    string       `json:"-" yaml:"macaddress"`
	InterfaceNameLegacy string       `json:"-" yaml:"interfacename"`
}

type addressDoc struct {
	Hostname      string `json:"hostname" yaml:"hostname"`
	Value         string `json:"value" yaml:"value"`
	CIDR          string `json:"cidr" yaml:"cidr"`
	AddressLegacy string `json:"-" yaml:"address"`
}

func newNetworkDoc(ni NetworkInfo) networkDoc {
	doc := networkDoc{EgressSubnets: ni.EgressSubnets, IngressAddresses: ni.IngressAddresses}
	for _, b := range ni.BindAddresses {
		bd := bindAddressDoc{
			MACAddress:          b.MACAddress,
			InterfaceName:       b.InterfaceName,
			MACAddressLegacy:    b.MACAddress,
			InterfaceNameLegacy: b.InterfaceName,
			Addresses:           []addressDoc{},
		}
		for _, a := range b.Addresses {
			bd.Addresses = append(bd.Addresses, addressDoc{
				Hostname: a.Hostname, Value: a.Value, CIDR: a.CIDR, AddressLegacy: a.Value,
			})
		}
		doc.BindAddresses = append(doc.BindAddresses, bd)
	}
	return doc
}

// network-get <binding> [-r id] [--bind-address] [--ingress-address]
// [--egress-subnets] [--primary-address]: no flag prints the whole
// document, one flag that value alone, several a map of them.
type networkGet struct {
	outputTool
	relationID int
	binding    string
	primary    bool
	bind       bool
	ingress    bool
	egress     bool
}

func newNetworkGet(b base) cmd.Command { return &networkGet{outputTool: outputTool{base: b}} }

func (c *networkGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	addRelationFlag(f, c.ctx, &c.relationID, "specify a relation by id")
	f.BoolVar(&c.primary, "primary-address", false, "(deprecated) get the primary address for the binding")
	f.BoolVar(&c.bind, "bind-address", false, "get the address for the binding on which the unit should listen")
	f.BoolVar(&c.ingress, "ingress-address", false, "get the ingress address for the binding")
	f.BoolVar(&c.egress, "egress-subnets", false, "get the egress subnets for the binding")
}

func (c *networkGet) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("no arguments specified")
	}
	c.binding = args[0]
	if c.binding == "" {
		return errors.New("no binding name specified")
	}
	return cmd.CheckEmpty(args[1:])
}

func (c *networkGet) Run(ctx *cmd.Context) error {
	ni, err := c.ctx.NetworkInfo(c.binding, c.relationID)
	if errors.Is(err, ErrBindingNotFound) {
		return fmt.Errorf("no network config found for binding %q", c.binding)
	}
	if err != nil {
		return err
	}
	if !c.primary && !c.bind && !c.ingress && !c.egress {
		return c.out.Write(ctx, newNetworkDoc(ni))
	}
	if c.primary {
		if c.bind || c.ingress || c.egress {
			return errors.New("--primary-address must be the only flag specified")
		}
		if len(ni.BindAddresses) == 0 || len(ni.BindAddresses[0].Addresses) == 0 {
			return fmt.Errorf("no network config available for binding %q", c.binding)
		}
		return c.out.Write(ctx, ni.BindAddresses[0].Addresses[0].Value)
	}
	values := map[string]any{}
	if c.bind && len(ni.BindAddresses) > 0 {
		addr := ""
		if a := ni.BindAddresses[0].Addresses; len(a) > 0 {
			addr = a[0].Value
		}
		values["bind-address"] = addr
	}
	if c.ingress && len(ni.IngressAddresses) > 0 {
		values["ingress-address"] = ni.IngressAddresses[0]
	}
	if c.egress {
		values["egress-subnets"] = append([]string{}, ni.EgressSubnets...)
	}
	if len(values) == 1 {
		for _, v := range values {
			return c.out.Write(ctx, v)
		}
	}
	return c.out.Write(ctx, values)
}
