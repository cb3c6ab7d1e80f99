package jujuc

import "github.com/etcd-charm/etcd-charm/sim/jujuc/wire"

// The wire protocol lives in package wire, which has no dependencies, so
// that the client binary (cmd/jujuc) does not link juju/cmd; these aliases
// keep jujuc.Request and jujuc.Response as the seam's names.

// Request is one tool invocation (see wire.Request).
type Request = wire.Request

// Response is what the tool reproduces verbatim (see wire.Response).
type Response = wire.Response
