package charm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// EtcdResource returns the attached `etcd` resource's path and sha256, or
// "" when none is attached (resource-get fails) or it is empty, Charmhub's
// placeholder for "use the store". The hooks install from it; the
// snap-upgrade action rolls a newer one out.
func EtcdResource(ctx context.Context, tools juju.Tools) (path, sum string, err error) {
	path, err = tools.ResourceGet(ctx, "etcd")
	var te *juju.ToolError
	if errors.As(err, &te) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot fetch the etcd resource: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("cannot read the etcd resource: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", "", fmt.Errorf("cannot read the etcd resource: %w", err)
	}
	if n == 0 {
		return "", "", nil
	}
	return path, hex.EncodeToString(h.Sum(nil)), nil
}

// FullChannel normalises a channel as snapd reports tracking channels:
// "3.5" → "3.5/stable", "edge" → "latest/edge".
func FullChannel(ch string) string {
	switch {
	case ch == "":
		return ""
	case ch == "stable" || ch == "candidate" || ch == "beta" || ch == "edge":
		return "latest/" + ch
	case !strings.Contains(ch, "/"):
		return ch + "/stable"
	}
	return ch
}
