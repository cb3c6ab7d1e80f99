package jujuc

import "github.com/etcd-charm/etcd-charm/sim/fsutil"

// InstallTools creates toolsDir (a unit's /var/lib/juju/tools/unit-<app>-<n>,
// which the hook's PATH starts with) holding one symlink per name in
// ToolNames to jujucBinary, the multi-call client that dispatches on the name
// it was run as. Existing symlinks are pointed at jujucBinary; anything else
// in the way is an error rather than silently replaced.
func InstallTools(toolsDir, jujucBinary string) error {
	return fsutil.LinkAll(toolsDir, jujucBinary, ToolNames, "hook tool")
}
