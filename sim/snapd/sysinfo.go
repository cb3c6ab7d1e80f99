package snapd

import (
	"strings"
	"syscall"
)

// sysInfo serves GET /v2/system-info, with the effective refresh.timer.
func (d *Daemon) sysInfo() reply {
	d.mu.Lock()
	timer, _ := getPath(d.conf["core"], "refresh.timer")
	d.mu.Unlock()
	if s, _ := timer.(string); s == "" {
		timer = "00:00~24:00/4" // snapd's default schedule
	}
	var uts syscall.Utsname
	kernel := ""
	if syscall.Uname(&uts) == nil {
		var b strings.Builder
		for _, c := range uts.Release {
			if c == 0 {
				break
			}
			b.WriteByte(byte(c))
		}
		kernel = b.String()
	}
	return syncReply(map[string]any{
		"series": "16", "version": "2.47.1+jujusim", "build-id": "jujusim",
		"os-release":     map[string]string{"id": "ubuntu", "version-id": "20.04"},
		"on-classic":     true,
		"managed":        false,
		"kernel-version": kernel,
		"architecture":   d.cfg.Arch,
		"refresh":        map[string]any{"timer": timer},
		"confinement":    "strict",
	})
}
