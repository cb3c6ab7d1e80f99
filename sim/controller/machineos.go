package controller

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/sim/machinetools"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// What a Juju machine (an Ubuntu cloud image) has that operators and
// charms rely on, beyond the directories every machine gets.

// MachineBin is where a machine's own snap, systemctl and journalctl live
// (a Juju machine's /usr/bin); hooks and exec have it on PATH before the
// host's directories, so those names never reach the host's snapd or init
// system.
const MachineBin = "usr/bin"

// The ubuntu login juju ssh and juju scp use: uid/gid 1000, home
// /home/ubuntu, mode 0750 as on Ubuntu 24.04 images.
const (
	ubuntuUID  = 1000
	ubuntuGID  = 1000
	ubuntuHome = "home/ubuntu"
)

// prepareMachineOSLocked links the machine tools into <root>/usr/bin and
// makes ubuntu's home. Done at every start, so a machine made by an older
// build (or before a rebuild) gets the current tools.
func (c *Controller) prepareMachineOSLocked(mc *model.Machine) error {
	home := filepath.Join(mc.Root, ubuntuHome)
	if _, err := os.Stat(home); errors.Is(err, fs.ErrNotExist) {
		// /home is 0755 root, the home itself 0750 ubuntu.
		if err := os.MkdirAll(filepath.Dir(home), 0o755); err != nil {
			return fmt.Errorf("cannot create machine %s: %w", mc.ID, err)
		}
		if err := os.Mkdir(home, 0o750); err != nil {
			return fmt.Errorf("cannot create machine %s: %w", mc.ID, err)
		}
		if os.Geteuid() == 0 {
			// Only root can give it to ubuntu; otherwise the home is
			// the invoking user's, which ubuntu's view counts as root's.
			if err := os.Chown(home, ubuntuUID, ubuntuGID); err != nil {
				return fmt.Errorf("cannot create machine %s: %w", mc.ID, err)
			}
		}
	}
	if c.cfg.MachineTools == "" {
		return nil
	}
	return machinetools.Install(filepath.Join(mc.Root, MachineBin), c.cfg.MachineTools)
}
