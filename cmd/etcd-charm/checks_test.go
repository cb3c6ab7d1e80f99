package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func TestCheckAlarmsVerdicts(t *testing.T) {
	// A port nothing listens on: etcd is stopped.
	stopped := net.JoinHostPort("127.0.0.1", strconv.Itoa(testkit.FreePort(t, "127.0.0.1")))

	for _, tc := range []struct {
		name   string
		config string
		code   int
		prefix string
	}{
		{"etcd not configured", "", charm.NagiosUnknown, "UNKNOWN: "},
		{"etcd stopped", "advertise-client-urls: https://" + stopped + "\n", charm.NagiosCritical, "cannot reach etcd at https://" + stopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := charm.Paths{Root: t.TempDir()}
			if err := os.MkdirAll(p.SnapCommon(), 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.config != "" {
				if err := os.WriteFile(p.ConfigFile(), []byte(tc.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			code := checkAlarms(context.Background(), p, &out)
			if code != tc.code || !strings.HasPrefix(out.String(), tc.prefix) || strings.Count(out.String(), "\n") != 1 {
				t.Errorf("checkAlarms = %d %q, want %d and one line starting %q", code, out.String(), tc.code, tc.prefix)
			}
		})
	}
}

// Juju runs dispatch without arguments; with a check's name it is nrpe
// running the check, not a hook.
func TestDispatchWithACheckRunsTheCheck(t *testing.T) {
	root := t.TempDir()
	env := map[string]string{"SNAPPY_GLOBAL_ROOT": root}
	var out, errOut bytes.Buffer
	code := Main([]string{"/charm/dispatch", "check-alarms"}, func(k string) string { return env[k] }, &out, &errOut)
	if code != charm.NagiosUnknown || !strings.HasPrefix(out.String(), "UNKNOWN: ") {
		t.Errorf("dispatch check-alarms = %d %q %q", code, out.String(), errOut.String())
	}
}
