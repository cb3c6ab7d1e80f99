package workload

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/etcd-charm/etcd-charm/charm"
)

// CheckV2Store runs the installed snap's `etcdutl check v2store` on
// dataDir (charm.CheckV2Store explains why) and returns its verdict and
// output. etcdutl reads the member's v2 snapshot and WAL without taking
// etcd's lock, so it runs beside a serving etcd. A snap without etcdutl
// (etcd 3.4) or with one that has no such command is charm.V2Unchecked.
func CheckV2Store(ctx context.Context, p charm.Paths, dataDir string) (charm.V2StoreVerdict, string) {
	bin := p.Join("snap/bin/etcd.etcdutl")
	if _, err := os.Stat(bin); err != nil {
		return charm.V2Unchecked, "the etcd snap has no etcdutl"
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "check", "v2store", "--data-dir", dataDir)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return charm.V2Unchecked, err.Error()
	}
	return charm.ParseV2StoreCheck(out.String(), err == nil), out.String()
}
