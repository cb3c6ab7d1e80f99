package jujuc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// logLevels are loggo's level names juju-log accepts (case-insensitive);
// WARN is WARNING's alias.
var logLevels = map[string]string{
	"TRACE": "TRACE", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING",
	"WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL",
}

// juju-log [--debug] [-l|--log-level LEVEL] <message...>: a line in the
// unit's log (logger unit.<unit>.juju-log), nothing on stdout. In a relation
// hook the message is prefixed with the relation id ("db:3: ").
type jujuLog struct {
	base
	debug   bool
	level   string
	format  string
	message string
}

func newJujuLog(b base) cmd.Command { return &jujuLog{base: b} }

func (c *jujuLog) SetFlags(f *gnuflag.FlagSet) {
	f.BoolVar(&c.debug, "debug", false, "log at debug level")
	f.StringVar(&c.level, "l", "INFO", "Send log message at the given level")
	f.StringVar(&c.level, "log-level", "INFO", "")
	f.StringVar(&c.format, "format", "", "deprecated format flag")
}

func (c *jujuLog) Init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	c.message = strings.Join(args, " ")
	return nil
}

func (c *jujuLog) Run(ctx *cmd.Context) error {
	if c.format != "" {
		fmt.Fprintf(ctx.Stderr, "--format flag deprecated for command %q", "juju-log")
	}
	level := "INFO"
	if c.debug {
		level = "DEBUG"
	} else if l, ok := logLevels[strings.ToUpper(c.level)]; ok {
		level = l
	} else if err := c.ctx.Log("WARNING", fmt.Sprintf("Specified log level of %q is not valid", c.level)); err != nil {
		return err
	}
	prefix := ""
	if id, ok := c.ctx.HookRelationID(); ok {
		if ep, err := c.ctx.RelationEndpoint(id); err == nil {
			prefix = fmt.Sprintf("%s:%d: ", ep, id)
		}
	}
	return c.ctx.Log(level, prefix+c.message)
}

// resource-get <name>: downloads the application's current revision of a
// resource into the unit's resources dir and prints the path with no
// trailing newline.
type resourceGet struct {
	base
	name string
}

func newResourceGet(b base) cmd.Command { return &resourceGet{base: b} }

func (c *resourceGet) Init(args []string) (err error) {
	c.name, err = oneArg(args, "missing required resource name")
	return err
}

func (c *resourceGet) Run(ctx *cmd.Context) error {
	path, err := c.ctx.DownloadResource(c.name)
	if errors.Is(err, ErrResourceNotFound) {
		err = fmt.Errorf("resource#%s/%s not found", appName(c.ctx.UnitName()), c.name)
	}
	if err != nil {
		return fmt.Errorf("could not download resource: %w", err)
	}
	_, err = fmt.Fprint(ctx.Stdout, path)
	return err
}
