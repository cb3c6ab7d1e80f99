package controller

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
)

// Several controllers may run on one machine at once (parallel test
// packages). Each holds an flock on a file naming its subnet for its
// lifetime, so a new model picks the first /24 of its range that no live
// controller holds and two models never hand out the same unit address.

func subnetLockDir() string { return filepath.Join(os.TempDir(), "jujusim-subnets") }

// lockSubnet takes the lock of subnet; it fails if a live controller
// holds it.
func lockSubnet(subnet string) (*os.File, error) {
	if err := os.MkdirAll(subnetLockDir(), 0o777); err != nil {
		return nil, fmt.Errorf("cannot lock subnet: %w", err)
	}
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return nil, fmt.Errorf("cannot use subnet %q: %w", subnet, err)
	}
	name := filepath.Join(subnetLockDir(), fmt.Sprintf("%s_%d.lock", p.Masked().Addr(), p.Bits()))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("cannot lock subnet: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("subnet %s is in use by another jujusim controller", subnet)
	}
	return f, nil
}

// pickSubnet locks the first free /24 of a.b.N.0 for N in 1..254.
func pickSubnet(a, b int) (string, *os.File, error) {
	for n := 1; n < 255; n++ {
		s := fmt.Sprintf("%d.%d.%d.0/24", a, b, n)
		if f, err := lockSubnet(s); err == nil {
			return s, f, nil
		}
	}
	return "", nil, fmt.Errorf("no free subnet in %d.%d.0.0/16", a, b)
}
