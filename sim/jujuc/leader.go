package jujuc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/juju/cmd/v3"
	"github.com/juju/utils/v3/keyvalues"
)

// is-leader: whether this unit holds the application's leadership. Juju
// guarantees the answer for ~30 s; smart prints True/False, json true/false.
type isLeader struct {
	outputTool
}

func newIsLeader(b base) cmd.Command { return &isLeader{outputTool: outputTool{base: b}} }

func (c *isLeader) Run(ctx *cmd.Context) error {
	leader, err := c.ctx.IsLeader()
	if err != nil {
		return fmt.Errorf("leadership status unknown: %w", err)
	}
	return c.out.Write(ctx, leader)
}

// leader-get [<key>|-]: the leader settings (deprecated in favour of peer
// application data, still present in 3.x).
type leaderGet struct {
	outputTool
	key string
}

func newLeaderGet(b base) cmd.Command { return &leaderGet{outputTool: outputTool{base: b}} }

func (c *leaderGet) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	key := args[0]
	if key == "-" {
		key = ""
	} else if strings.Contains(key, "=") {
		return fmt.Errorf("invalid key %q", key)
	}
	c.key = key
	return cmd.CheckEmpty(args[1:])
}

func (c *leaderGet) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.LeaderSettings()
	if err != nil {
		return fmt.Errorf("cannot read leadership settings: %w", err)
	}
	return writeSettings(ctx, &c.out, settings, c.key)
}

// leader-set key=value...: writes the leader settings at once (not
// buffered); key= deletes. Only the leader may write.
type leaderSet struct {
	base
	settings map[string]string
}

func newLeaderSet(b base) cmd.Command { return &leaderSet{base: b} }

func (c *leaderSet) Init(args []string) (err error) {
	c.settings, err = keyvalues.Parse(args, true)
	return err
}

func (c *leaderSet) Run(*cmd.Context) error {
	err := c.ctx.WriteLeaderSettings(c.settings)
	if errors.Is(err, ErrNotLeader) {
		// The text of Juju's leadership-settings writer.
		err = errors.New("cannot write settings: not the leader")
	}
	if err != nil {
		return fmt.Errorf("cannot write leadership settings: %w", err)
	}
	return nil
}
