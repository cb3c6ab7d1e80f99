//go:build tools

// Package deps pins the project's chosen libraries in go.mod while the
// packages that use them are being written, so that parallel work on the
// simulator, snapd and charm does not race on go.mod. It is never built.
package deps

import (
	_ "github.com/juju/charm/v12"
	_ "github.com/juju/cmd/v3"
	_ "github.com/juju/gnuflag"
	_ "github.com/juju/utils/v3/keyvalues"
	_ "github.com/snapcore/go-gettext"
	_ "github.com/snapcore/snapd/client"
	_ "github.com/spf13/cobra"
	_ "go.etcd.io/etcd/client/v3"
	_ "go.etcd.io/etcd/client/v3/snapshot"
	_ "gopkg.in/yaml.v2"
	_ "gopkg.in/yaml.v3"
)
