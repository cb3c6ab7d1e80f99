package jujuc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/juju/cmd/v3"
)

// In a hook context the Context's action methods return ErrNotAction, whose
// text is the "ERROR not running an action" (exit 1) Juju prints.

// action-get [<key>[.<key>...]]: the action's params (schema defaults
// included), or the value at a dotted path (nil when missing).
type actionGet struct {
	outputTool
	keys []string
}

func newActionGet(b base) cmd.Command { return &actionGet{outputTool: outputTool{base: b}} }

func (c *actionGet) Init(args []string) error {
	if len(args) > 0 {
		if err := cmd.CheckEmpty(args[1:]); err != nil {
			return err
		}
		c.keys = strings.Split(args[0], ".")
	}
	return nil
}

func (c *actionGet) Run(ctx *cmd.Context) error {
	params, err := c.ctx.ActionParams()
	if err != nil {
		return err
	}
	if params == nil {
		params = map[string]any{}
	}
	if len(c.keys) == 0 {
		return c.out.Write(ctx, params)
	}
	var value any = params
	for _, k := range c.keys {
		switch m := value.(type) {
		case map[string]any:
			value = m[k]
		case map[any]any:
			value = m[k]
		default:
			value = nil
		}
	}
	return c.out.Write(ctx, value)
}

// actionKey is the rule for each dotted segment of an action-set key.
var actionKey = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// reservedActionKeys hold the captured output in an action's results.
var reservedActionKeys = map[string]bool{
	"stdout": true, "stdout-encoding": true, "stderr": true, "stderr-encoding": true,
}

// action-set key[.key...]=value...: string results, nested by dots.
type actionSet struct {
	base
	sets [][]string // key path then value
}

func newActionSet(b base) cmd.Command { return &actionSet{base: b} }

func (c *actionSet) Init(args []string) error {
	for _, arg := range args {
		kv := strings.SplitN(arg, "=", 2)
		if len(kv) != 2 {
			return fmt.Errorf("argument %q must be of the form key...=value", arg)
		}
		keys := strings.Split(kv[0], ".")
		for _, k := range keys {
			if !actionKey.MatchString(k) {
				return fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods", k)
			}
		}
		for _, k := range keys {
			if reservedActionKeys[k] {
				return fmt.Errorf("cannot set reserved action key %q", k)
			}
		}
		c.sets = append(c.sets, append(keys, kv[1]))
	}
	return nil
}

func (c *actionSet) Run(*cmd.Context) error {
	for _, s := range c.sets {
		if err := c.ctx.UpdateActionResults(s[:len(s)-1], s[len(s)-1]); err != nil {
			return err
		}
	}
	return nil
}

// SetResult sets value at the key path in an action's results, replacing
// a scalar on the way by a map, as Juju's addValueToMap does. Context
// implementations call it from UpdateActionResults.
func SetResult(results map[string]any, keys []string, value string) {
	if len(keys) == 0 {
		return
	}
	for _, k := range keys[:len(keys)-1] {
		next, ok := results[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			results[k] = next
		}
		results = next
	}
	results[keys[len(keys)-1]] = value
}

// action-fail ["<message>"]: marks the action failed; the script goes on.
type actionFail struct {
	base
	message string
}

func newActionFail(b base) cmd.Command { return &actionFail{base: b} }

func (c *actionFail) Init(args []string) error {
	c.message = "action failed without reason given, check action for errors"
	if len(args) == 0 {
		return nil
	}
	c.message = args[0]
	return cmd.CheckEmpty(args[1:])
}

func (c *actionFail) Run(*cmd.Context) error { return c.ctx.SetActionFailed(c.message) }

// action-log <message...>: a progress message, sent at once.
type actionLog struct {
	base
	message string
}

func newActionLog(b base) cmd.Command { return &actionLog{base: b} }

func (c *actionLog) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

func (c *actionLog) Run(*cmd.Context) error { return c.ctx.LogActionMessage(c.message) }
