// Command etcd-charm is the etcd charm: Juju runs it as <charm>/dispatch for
// every hook and action.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

func main() {
	stop := startProfile(os.Getenv("ETCD_CHARM_CPUPROFILE"))
	code := Main(os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of this run to path (a debugging aid
// for the hooks' own cost: ETCD_CHARM_CPUPROFILE=/tmp/p ./dispatch); an
// empty path profiles nothing. A profile that cannot be written fails
// nothing: the hook runs as without it.
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot profile:", err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
