package jujuc

import (
	"fmt"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
	"github.com/juju/utils/v3/keyvalues"
)

// Juju's charm-state quota: checked when the value is set, so the charm
// gets immediate feedback.
const (
	maxStateKeyLen   = 256
	maxStateValueLen = 64 * 1024
)

// state-get [<key>|-] [--strict]: this unit's charm state. The whole map of
// an empty state is nil (yaml/smart {}, json null); a missing key prints ""
// unless --strict, which fails with `"key" not found`.
type stateGet struct {
	outputTool
	key    string
	strict bool
}

func newStateGet(b base) cmd.Command { return &stateGet{outputTool: outputTool{base: b}} }

func (c *stateGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	f.BoolVar(&c.strict, "strict", false, "Return an error if the requested key does not exist")
}

func (c *stateGet) Init(args []string) error {
	if len(args) > 0 {
		if args[0] != "-" {
			c.key = args[0]
		}
		args = args[1:]
	}
	return cmd.CheckEmpty(args)
}

func (c *stateGet) Run(ctx *cmd.Context) error {
	state, err := c.ctx.CharmState()
	if err != nil {
		return err
	}
	if c.key == "" {
		if len(state) == 0 {
			state = nil
		}
		return c.out.Write(ctx, state)
	}
	value, ok := state[c.key]
	if !ok && c.strict {
		return fmt.Errorf("%q not found", c.key)
	}
	return c.out.Write(ctx, value)
}

// state-set [--file PATH|-] key=value...: buffered until the hook commits.
type stateSet struct {
	base
	file     cmd.FileVar
	settings map[string]string
}

func newStateSet(b base) cmd.Command { return &stateSet{base: b} }

func (c *stateSet) SetFlags(f *gnuflag.FlagSet) {
	c.file.SetStdin()
	f.Var(&c.file, "file", "file containing key-value pairs")
}

func (c *stateSet) Init(args []string) (err error) {
	c.settings, err = keyvalues.Parse(args, true)
	return err
}

func (c *stateSet) Run(ctx *cmd.Context) error {
	settings, err := settingsWithFile(ctx, &c.file, c.settings)
	if err != nil {
		return err
	}
	for k, v := range settings {
		if len(k) > maxStateKeyLen {
			return fmt.Errorf("max allowed key length (%d) exceeded", maxStateKeyLen)
		}
		if len(v) > maxStateValueLen {
			return fmt.Errorf("max allowed value length (%d) exceeded", maxStateValueLen)
		}
	}
	for k, v := range settings {
		if err := c.ctx.SetCharmStateValue(k, v); err != nil {
			return err
		}
	}
	return nil
}

// state-delete <key>: a missing key (or none at all) is fine.
type stateDelete struct {
	base
	key string
}

func newStateDelete(b base) cmd.Command { return &stateDelete{base: b} }

func (c *stateDelete) Init(args []string) (err error) {
	c.key, err = cmd.ZeroOrOneArgs(args)
	return err
}

func (c *stateDelete) Run(*cmd.Context) error {
	if c.key == "" {
		return nil
	}
	return c.ctx.DeleteCharmStateValue(c.key)
}
