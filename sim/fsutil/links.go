// Package fsutil holds the simulator's linker of its multi-call binaries
// (hook tools, machine tools); its tree copier is internal/fsutil.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LinkAll makes dir hold one symlink per name to binary, a multi-call
// program that dispatches on the name it was run as (the hook tools, the
// machine tools). A link to another binary (an older build) is pointed at
// this one; anything else in the way is an error rather than silently
// replaced. Errors say "cannot install <what>s" or "cannot install <what>
// <name>".
func LinkAll(dir, binary string, names []string, what string) error {
	if !filepath.IsAbs(binary) {
		abs, err := filepath.Abs(binary)
		if err != nil {
			return fmt.Errorf("cannot install %ss: %w", what, err)
		}
		binary = abs
	}
	if st, err := os.Stat(binary); err != nil {
		return fmt.Errorf("cannot install %ss: %w", what, err)
	} else if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("cannot install %ss: %s is not an executable file", what, binary)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot install %ss: %w", what, err)
	}
	for _, name := range names {
		if err := link(binary, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("cannot install %s %s: %w", what, name, err)
		}
	}
	return nil
}

func link(binary, link string) error {
	err := os.Symlink(binary, link)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	target, err := os.Readlink(link)
	if err != nil {
		return fmt.Errorf("%s exists and is not a symlink", link)
	}
	if target == binary {
		return nil
	}
	if err := os.Remove(link); err != nil {
		return err
	}
	return os.Symlink(binary, link)
}
