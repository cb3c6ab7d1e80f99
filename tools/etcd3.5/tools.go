//go:build tools

// Package tools pins the etcd 3.5 release whose etcd, etcdctl and etcdutl
// binaries scripts/etcd-bins.sh builds for jujusim's fake snap store. It is a
// separate module so etcd's own dependency graph never touches the charm's.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
