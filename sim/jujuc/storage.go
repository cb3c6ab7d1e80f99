package jujuc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/juju/cmd/v3"
	"github.com/juju/gnuflag"
)

// validStorageID is a storage instance id: <storage-name>/<n>.
var validStorageID = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*)$`)

// storageIDValue is storage-get's -s flag; it must name an attached
// instance. Its default is the storage of the current storage hook.
type storageIDValue struct {
	ctx Context
	id  *string
}

func (v *storageIDValue) Set(s string) error {
	if !validStorageID.MatchString(s) {
		return fmt.Errorf("invalid storage ID %q", s)
	}
	if _, err := v.ctx.Storage(s); err != nil {
		return err
	}
	*v.id = s
	return nil
}

func (v *storageIDValue) String() string { return *v.id }

// storage-get [-s <id>] [kind|location].
type storageGet struct {
	outputTool
	id  string
	key string
}

func newStorageGet(b base) cmd.Command {
	c := &storageGet{outputTool: outputTool{base: b}}
	c.id, _ = b.ctx.HookStorageID()
	return c
}

func (c *storageGet) SetFlags(f *gnuflag.FlagSet) {
	c.outputTool.SetFlags(f)
	f.Var(&storageIDValue{ctx: c.ctx, id: &c.id}, "s", "specify a storage instance by id")
}

func (c *storageGet) Init(args []string) error {
	if c.id == "" {
		return errors.New("no storage instance specified")
	}
	key, err := cmd.ZeroOrOneArgs(args)
	c.key = key
	return err
}

func (c *storageGet) Run(ctx *cmd.Context) error {
	st, err := c.ctx.Storage(c.id)
	if err != nil {
		return err
	}
	values := map[string]any{"kind": st.Kind, "location": st.Location}
	if c.key == "" {
		return c.out.Write(ctx, values)
	}
	if v, ok := values[c.key]; ok {
		return c.out.Write(ctx, v)
	}
	return fmt.Errorf("invalid storage attribute %q", c.key)
}

// storage-list [<storage-name>]: ids of the attached storage instances.
type storageList struct {
	outputTool
	name string
}

func newStorageList(b base) cmd.Command { return &storageList{outputTool: outputTool{base: b}} }

func (c *storageList) Init(args []string) error {
	name, err := cmd.ZeroOrOneArgs(args)
	c.name = name
	return err
}

func (c *storageList) Run(ctx *cmd.Context) error {
	ids, err := c.ctx.StorageIDs(c.name)
	if err != nil {
		return err
	}
	result := make([]string, 0, len(ids))
	for _, id := range ids {
		if c.name == "" || strings.HasPrefix(id, c.name+"/") {
			result = append(result, id)
		}
	}
	return c.out.Write(ctx, result)
}
