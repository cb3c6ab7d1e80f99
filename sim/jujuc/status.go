package jujuc

import (
	"errors"
	"fmt"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// config-get [<key>] [--all]: the charm config. Values keep their types
// (int64, float64, bool, string), so smart prints a bool as True/False and
// json prints numbers bare; options without value or default are hidden
// unless --all, which shows them as null.
type configGet struct {
	outputTool
	key string
	all bool
}

func newConfigGet(b base) cmd.Command { return &configGet{outputTool: outputTool{base: b}} }

func (c *configGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	f.BoolVar(&c.all, "a", false, "print all keys")
	f.BoolVar(&c.all, "all", false, "")
}

func (c *configGet) Init(args []string) error {
	if len(args) == 0 {
		return nil
	}
	c.key = args[0]
	if c.key != "" && c.all {
		return fmt.Errorf("cannot use argument --all together with key %q", c.key)
	}
	return cmd.CheckEmpty(args[1:])
}

func (c *configGet) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.ConfigSettings()
	if err != nil {
		return err
	}
	if c.key != "" {
		return c.out.Write(ctx, settings[c.key])
	}
	shown := make(map[string]any, len(settings))
	for k, v := range settings {
		if v != nil || c.all {
			shown[k] = v
		}
	}
	return c.out.Write(ctx, shown)
}

// validStatus are the workload statuses a charm may set.
var validStatus = []string{"maintenance", "blocked", "waiting", "active"}

// status-set [--application] <status> [<message>]: acts at once (survives a
// failed hook). --application needs leadership.
type statusSet struct {
	base
	application bool
	status      Status
}

func newStatusSet(b base) cmd.Command { return &statusSet{base: b} }

func (c *statusSet) SetFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.application, "application", false, "set this status for the application to which the unit belongs if the unit is the leader")
}

func (c *statusSet) Init(args []string) error {
	if len(args) < 1 {
		return errors.New("invalid args, require <status> [message]")
	}
	valid := false
	for _, s := range validStatus {
		valid = valid || args[0] == s
	}
	if !valid {
		return fmt.Errorf("invalid status %q, expected one of %v", args[0], validStatus)
	}
	c.status.Status = args[0]
	if len(args) > 1 {
		c.status.Message = args[1]
		return cmd.CheckEmpty(args[2:])
	}
	return nil
}

func (c *statusSet) Run(*cmd.Context) error {
	if c.application {
		return c.ctx.SetApplicationStatus(c.status)
	}
	return c.ctx.SetUnitStatus(c.status)
}

// status-get [--include-data] [--application]: smart without --include-data
// prints only the status word; otherwise a map. --application lists the
// application's status and its units' (leader only).
type statusGet struct {
	outputTool
	includeData bool
	application bool
}

func newStatusGet(b base) cmd.Command { return &statusGet{outputTool: outputTool{base: b}} }

func (c *statusGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	f.BoolVar(&c.includeData, "include-data", false, "print all status data")
	f.BoolVar(&c.application, "application", false, "print status for all units of this application if this unit is the leader")
}

func (c *statusGet) Init(args []string) error { return cmd.CheckEmpty(args) }

func (c *statusGet) Run(ctx *cmd.Context) error {
	bare := !c.includeData && c.out.Name() == "smart"
	if !c.application {
		st, err := c.ctx.UnitStatus()
		if err != nil {
			return fmt.Errorf("finding workload status: %w", err)
		}
		if bare {
			return c.out.Write(ctx, st.Status)
		}
		return c.out.Write(ctx, statusDetails(st, c.includeData))
	}
	app, units, err := c.ctx.ApplicationStatus()
	if err != nil {
		return fmt.Errorf("finding application status: %w", err)
	}
	if bare {
		return c.out.Write(ctx, app.Status)
	}
	details := statusDetails(app, c.includeData)
	unitDetails := make(map[string]any, len(units))
	for name, st := range units {
		unitDetails[name] = statusDetails(st, c.includeData)
	}
	details["units"] = unitDetails
	return c.out.Write(ctx, map[string]any{"application-status": details})
}

func statusDetails(st Status, includeData bool) map[string]any {
	details := map[string]any{"status": st.Status}
	if includeData {
		data := make(map[string]any, len(st.Data))
		for k, v := range st.Data {
			data[k] = v
		}
		details["status-data"] = data
		details["message"] = st.Message
	}
	return details
}

// application-version-set <version>: acts at once; shown in juju status.
type applicationVersionSet struct {
	base
	version string
}

func newApplicationVersionSet(b base) cmd.Command { return &applicationVersionSet{base: b} }

func (c *applicationVersionSet) Init(args []string) (err error) {
	c.version, err = oneArg(args, "no version specified")
	return err
}

func (c *applicationVersionSet) Run(*cmd.Context) error {
	return c.ctx.SetApplicationVersion(c.version)
}
