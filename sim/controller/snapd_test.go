package controller

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Every machine runs its own fake snapd at <root>/run/snapd.socket as a
// child of the controller; removing the unit stops it.
func TestMachineSnapd(t *testing.T) {
	c := startWithSnapd(t, noopCharm(t)) // skips with -short
	var root string
	c.Model(func(m *model.Model) { root = m.Machines["0"].Root })
	pid := snapdPid(c, "0")
	sock := filepath.Join(root, "run/snapd.socket")
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://localhost/v2/system-info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("system-info: %s", resp.Status)
	}
	if err := c.RemoveUnits([]string{"noop/0"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "unit removed", func(m *model.Model) bool { return len(m.Units) == 0 })
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("snapd %d still running after its unit was removed", pid)
	}
}
