package main

import (
	"os"

	"github.com/etcd-charm/etcd-charm/sim/machinetools"
)

// machineTool runs jujusim as a machine's snap, systemctl or journalctl
// when it was invoked by one of those names (the controller links them
// into every machine's <root>/usr/bin); ok is false otherwise.
func machineTool() (code int, ok bool) {
	if !machinetools.IsTool(os.Args[0]) {
		return 0, false
	}
	return machinetools.Main(os.Args, machinetools.EnvFromOS()), true
}
