package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// scpCmd is `juju scp UNIT:PATH DEST`: a copy out of the unit's machine as
// its ubuntu login sees it (ubuntu.go). A relative PATH is under
// /home/ubuntu. A directory is copied whole (juju needs `-- -r`); what
// ubuntu may not read in it is reported and left out, and scp exits 1.
func scpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scp UNIT:PATH DEST",
		Short: "Copy a file out of a unit's machine, reading as its ubuntu user like juju scp",
		Args:  usage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			unit, src, ok := strings.Cut(args[0], ":")
			if !ok || src == "" {
				return fmt.Errorf("source must be UNIT:PATH, got %q", args[0])
			}
			var mc model.Machine
			if err := client().Call("machine", map[string]any{"Unit": unit}, &mc); err != nil {
				return err
			}
			v := newUbuntuView(mc.Root)
			host, fi, err := v.resolve(src)
			if err != nil {
				return scpFailed(cmd, scpError{src, err})
			}
			dst := args[1]
			if di, err := os.Stat(dst); err == nil && di.IsDir() {
				dst = filepath.Join(dst, filepath.Base(host))
			}
			if !fi.IsDir() {
				if err := copyFile(host, dst, fi.Mode().Perm()); err != nil {
					return fmt.Errorf("cannot copy %s: %w", args[0], err)
				}
				return nil
			}
			var refused []error
			err = filepath.WalkDir(host, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(host, p)
				out := filepath.Join(dst, rel)
				info, err := os.Stat(p)
				if err != nil {
					return nil // a dangling link is skipped, as scp -r does
				}
				want := uint32(4)
				if info.IsDir() {
					want = 4 | 1
				}
				if !v.may(info, want) {
					refused = append(refused, scpError{filepath.Join(src, rel), errPermission})
					if info.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
				if info.IsDir() {
					return os.MkdirAll(out, info.Mode().Perm()|0o700)
				}
				return copyFile(p, out, info.Mode().Perm())
			})
			if err != nil {
				return fmt.Errorf("cannot copy %s: %w", args[0], err)
			}
			if len(refused) > 0 {
				for _, e := range refused[:len(refused)-1] {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				return scpFailed(cmd, refused[len(refused)-1])
			}
			return nil
		},
	}
}

// scpFailed prints scp's message and juju's "ERROR exit status 1".
func scpFailed(cmd *cobra.Command, err error) error {
	fmt.Fprintln(cmd.ErrOrStderr(), err)
	fmt.Fprintln(cmd.ErrOrStderr(), "ERROR exit status 1")
	return exitError{1}
}

func copyFile(src, dst string, perm fs.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, perm)
}
