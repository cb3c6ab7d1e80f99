// Command jujuc is jujusim's hook-tool binary: one executable, symlinked
// under every tool name (relation-get, status-set, ...) into a unit's tools
// directory, that forwards the invocation to the simulator and reproduces
// its answer, as Juju's own jujuc does for the unit agent.
package main

import "os"

func main() {
	os.Exit(Main(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
