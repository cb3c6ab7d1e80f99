package snapd

import (
	"strings"
	"testing"
)

func TestOneDaemonPerRoot(t *testing.T) {
	d, _ := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	_, err := New(Config{Root: d.cfg.Root, Bins: d.cfg.Bins})
	if err == nil || !strings.Contains(err.Error(), "another snapd is listening") {
		t.Fatalf("second daemon on one root: %v", err)
	}
}
