// Command etcd-charm is the etcd charm: Juju runs it as <charm>/dispatch for
// every hook and action.
package main

import "os"

func main() {
	os.Exit(Main(os.Args, os.Getenv, os.Stdout, os.Stderr))
}
