package jujuc

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
	"github.com/juju/utils/v3/keyvalues"
	goyaml "gopkg.in/yaml.v2"
)

// relation-ids [<endpoint>]: ids ("db:3") of the live relations on an
// endpoint, sorted as strings; the default endpoint is the current relation
// hook's. An unknown endpoint is not an error, just an empty list.
type relationIDs struct {
	outputTool
	endpoint string
}

func newRelationIDs(b base) cmd.Command { return &relationIDs{outputTool: outputTool{base: b}} }

func (c *relationIDs) Init(args []string) error {
	if len(args) > 0 {
		c.endpoint, args = args[0], args[1:]
	} else if id, ok := c.ctx.HookRelationID(); ok {
		ep, err := c.ctx.RelationEndpoint(id)
		if err != nil {
			return err
		}
		c.endpoint = ep
	}
	if c.endpoint == "" {
		return errors.New("no relation name specified")
	}
	return cmd.CheckEmpty(args)
}

func (c *relationIDs) Run(ctx *cmd.Context) error {
	ids, err := c.ctx.RelationIDs(c.endpoint)
	if err != nil {
		return err
	}
	result := append([]string{}, ids...)
	sort.Strings(result)
	return c.out.Write(ctx, result)
}

// relation-list [-r id] [--app]: remote units in scope, or with --app the
// remote application's name.
type relationList struct {
	outputTool
	relationID int
	app        bool
}

func newRelationList(b base) cmd.Command { return &relationList{outputTool: outputTool{base: b}} }

func (c *relationList) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	addRelationFlag(f, c.ctx, &c.relationID, "Specify a relation by id")
	f.BoolVar(&c.app, "app", false, "List remote application instead of participating units")
}

func (c *relationList) Init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	return cmd.CheckEmpty(args)
}

func (c *relationList) Run(ctx *cmd.Context) error {
	if c.app {
		app, err := c.ctx.RelationRemoteApp(c.relationID)
		if err != nil {
			return err
		}
		return c.out.Write(ctx, app)
	}
	members, err := c.ctx.RelationMembers(c.relationID)
	if err != nil {
		return err
	}
	// Never nil: json must print [] for "no members" (ops iterates it).
	return c.out.Write(ctx, append([]string{}, members...))
}

// relation-get [-r id] [--app] [<key>|-] [<unit-or-app>]: one bag of
// relation data. The default target is JUJU_REMOTE_UNIT; without one (the
// -created, -broken and application-level -changed hooks) it is the remote
// application and --app is implied.
type relationGet struct {
	outputTool
	relationID int
	app        bool
	key        string
	target     string
}

func newRelationGet(b base) cmd.Command { return &relationGet{outputTool: outputTool{base: b}} }

func (c *relationGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	addRelationFlag(f, c.ctx, &c.relationID, "Specify a relation by id")
	f.BoolVar(&c.app, "app", false, "Get the relation data for the overall application, not just a unit")
}

func (c *relationGet) Init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	if len(args) > 0 {
		if c.key = args[0]; c.key == "-" {
			c.key = ""
		}
		args = args[1:]
	}
	c.target = c.ctx.RemoteUnitName()
	if len(args) > 0 {
		c.target, args = args[0], args[1:]
	}
	if c.target == "" {
		if app := c.ctx.RemoteAppName(); app != "" {
			c.target, c.app = app, true
		}
	}
	if c.target == "" {
		return errors.New("no unit or application specified")
	}
	if c.app {
		c.target = appName(c.target)
	}
	return cmd.CheckEmpty(args)
}

func (c *relationGet) Run(ctx *cmd.Context) error {
	settings, err := c.ctx.RelationSettings(c.relationID, c.target, c.app)
	if err != nil {
		return err
	}
	return writeSettings(ctx, &c.out, settings, c.key)
}

// relation-set [-r id] [--app] [--file PATH|-] key=value...: buffered writes
// to the own unit's (or, leader only, own application's) bag; key= deletes.
type relationSet struct {
	base
	relationID int
	app        bool
	file       cmd.FileVar
	format     string
	settings   map[string]string
}

func newRelationSet(b base) cmd.Command { return &relationSet{base: b} }

func (c *relationSet) SetFlags(f *gnuflag.FlagSet) {
	addRelationFlag(f, c.ctx, &c.relationID, "specify a relation by id")
	c.file.SetStdin()
	f.Var(&c.file, "file", "file containing key-value pairs")
	f.BoolVar(&c.app, "app", false, `pick whether you are setting "application" settings or "unit" settings`)
	f.StringVar(&c.format, "format", "", "deprecated format flag")
}

func (c *relationSet) Init(args []string) error {
	if c.relationID == -1 {
		return errors.New("no relation id specified")
	}
	var err error
	c.settings, err = keyvalues.Parse(args, true)
	return err
}

func (c *relationSet) Run(ctx *cmd.Context) error {
	if c.format != "" {
		fmt.Fprintf(ctx.Stderr, "--format flag deprecated for command %q", "relation-set")
	}
	settings, err := settingsWithFile(ctx, &c.file, c.settings)
	if err != nil {
		return err
	}
	if c.app {
		leader, err := c.ctx.IsLeader()
		if err != nil {
			return fmt.Errorf("cannot determine leadership status: %w", err)
		}
		if !leader {
			return errors.New("cannot write relation settings")
		}
	}
	err = c.ctx.SetRelationSettings(c.relationID, c.app, settings)
	if errors.Is(err, ErrNotLeader) {
		return errors.New("cannot write relation settings")
	}
	return err
}

// settingsWithFile merges a --file YAML map (stdin for "-") under the
// key=value arguments, which win. YAML scalars keep their source text
// ("3", "true"); null becomes "" (a delete); lists and maps are an error.
func settingsWithFile(ctx *cmd.Context, file *cmd.FileVar, args map[string]string) (map[string]string, error) {
	if file.Path == "" {
		return args, nil
	}
	r, err := file.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	settings := map[string]string{}
	if err := goyaml.Unmarshal(data, settings); err != nil {
		return nil, err
	}
	for k, v := range args {
		settings[k] = v
	}
	return settings, nil
}
