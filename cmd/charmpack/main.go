// Command charmpack zips a charm directory and its built binary into a
// .charm archive Juju accepts (see internal/charmpack).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/internal/charmpack"
)

func main() {
	var opts charmpack.Options
	flag.StringVar(&opts.Src, "src", ".", "charm source directory (metadata.yaml, ...)")
	flag.StringVar(&opts.Binary, "binary", "", "built charm binary, packed as dispatch")
	flag.StringVar(&opts.Stage, "stage", "", "also write the unpacked charm here")
	flag.StringVar(&opts.Out, "out", "", "the .charm file to write")
	flag.StringVar(&opts.Arch, "arch", "", "platform architecture (default: the binary's)")
	flag.Parse()
	if opts.Binary == "" || opts.Out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: charmpack -src DIR -binary FILE -out FILE.charm [-stage DIR] [-arch ARCH]")
		os.Exit(2)
	}
	if err := charmpack.Pack(opts); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
