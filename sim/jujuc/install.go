package jujuc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// InstallTools creates toolsDir (a unit's /var/lib/juju/tools/unit-<app>-<n>,
// which the hook's PATH starts with) holding one symlink per name in
// ToolNames to jujucBinary, the multi-call client that dispatches on the name
// it was run as. Existing symlinks are pointed at jujucBinary; anything else
// in the way is an error rather than silently replaced.
func InstallTools(toolsDir, jujucBinary string) error {
	if !filepath.IsAbs(jujucBinary) {
		abs, err := filepath.Abs(jujucBinary)
		if err != nil {
			return fmt.Errorf("cannot install hook tools: %w", err)
		}
		jujucBinary = abs
	}
	if st, err := os.Stat(jujucBinary); err != nil {
		return fmt.Errorf("cannot install hook tools: %w", err)
	} else if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("cannot install hook tools: %s is not an executable file", jujucBinary)
	}
	if err := os.MkdirAll(toolsDir, 0o755); err != nil {
		return fmt.Errorf("cannot install hook tools: %w", err)
	}
	for _, name := range ToolNames {
		link := filepath.Join(toolsDir, name)
		err := os.Symlink(jujucBinary, link)
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cannot install hook tool %s: %w", name, err)
		}
		target, rerr := os.Readlink(link)
		if rerr != nil {
			return fmt.Errorf("cannot install hook tool %s: %s exists and is not a symlink", name, link)
		}
		if target == jujucBinary {
			continue
		}
		// A link to another (e.g. rebuilt) binary is replaced.
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("cannot install hook tool %s: %w", name, err)
		}
		if err := os.Symlink(jujucBinary, link); err != nil {
			return fmt.Errorf("cannot install hook tool %s: %w", name, err)
		}
	}
	return nil
}
