package charm

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The Prometheus server runs as the daemon of a small local snap, built
// here around the machine's /usr/bin/prometheus, so the machine's snapd
// supervises it like any snap service: restarted when it fails, stopped
// with the machine (jujusim destroy) and by the stop hook.

// SnapName and ServiceName name the local snap and its daemon.
const (
	SnapName    = "prometheus"
	ServiceName = "prometheus.prometheus"
	Port        = 9090
)

// Server is how the charm finds and talks to the Prometheus binary.
type Server struct {
	// Binary is the prometheus executable.
	Binary string
	// HTTP reaches the server's API (reload).
	HTTP *http.Client
}

// DefaultServer is Debian's prometheus.
var DefaultServer = Server{Binary: "/usr/bin/prometheus", HTTP: &http.Client{Timeout: 10 * time.Second}}

// SnapCommon is the snap's $SNAP_COMMON under root: config, certificates
// and the TSDB.
func SnapCommon(root string) string { return filepath.Join(root, "var", "snap", SnapName, "common") }

// runScript is the daemon: Prometheus with the config the charm wrote,
// listening where the charm said. Without a config it exits 0 (a simple
// service that stopped, not a failure).
const runScript = `#!/bin/sh
set -e
conf="$SNAP_COMMON/prometheus.yml"
if [ ! -f "$conf" ] || [ ! -f "$SNAP_COMMON/listen-address" ]; then
	echo "prometheus is not configured yet"
	exit 0
fi
exec %s --config.file="$conf" --storage.tsdb.path="$SNAP_COMMON/data" \
	--web.listen-address="$(cat "$SNAP_COMMON/listen-address")" --web.enable-lifecycle
`

// Version is the server's version ("2.42.0+ds").
func (s Server) Version(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, s.Binary, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("cannot run %s --version: %v: %s", s.Binary, err, bytes.TrimSpace(out))
	}
	// "prometheus, version 2.42.0+ds (branch: ...)"
	fields := strings.Fields(string(out))
	for i, f := range fields {
		if f == "version" && i+1 < len(fields) {
			return fields[i+1], nil
		}
	}
	return "", fmt.Errorf("cannot read the version in %q", out)
}

// BuildSnap packs the local snap into dir/prometheus.snap with
// mksquashfs (Debian's squashfs-tools, which the machine's snapd needs to
// unpack snaps anyway).
func (s Server) BuildSnap(ctx context.Context, dir string) (string, error) {
	version, err := s.Version(ctx)
	if err != nil {
		return "", err
	}
	tree, err := os.MkdirTemp(dir, "prometheus-snap-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tree)
	meta, _ := yaml.Marshal(map[string]any{
		"name":    SnapName,
		"version": strings.SplitN(version, "+", 2)[0],
		"summary": "Prometheus from the machine's " + s.Binary,
		"apps":    map[string]any{"prometheus": map[string]any{"command": "bin/run", "daemon": "simple"}},
	})
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{filepath.Join(tree, "meta", "snap.yaml"), meta, 0o644},
		{filepath.Join(tree, "bin", "run"), []byte(fmt.Sprintf(runScript, s.Binary)), 0o755},
	} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return "", err
		}
	}
	out := filepath.Join(dir, "prometheus.snap")
	_ = os.Remove(out)
	cmd := exec.CommandContext(ctx, "mksquashfs", tree, out, "-noappend", "-all-root", "-noI", "-noD", "-noF", "-noX")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cannot pack the prometheus snap: %v: %s", err, bytes.TrimSpace(b))
	}
	return out, nil
}

// Reload asks the running server to read its config again.
func (s Server) Reload(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reload prometheus: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cannot reload prometheus: %s", resp.Status)
	}
	return nil
}
