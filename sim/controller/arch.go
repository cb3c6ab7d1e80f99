package controller

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"github.com/juju/charm/v12"

	"github.com/etcd-charm/etcd-charm/sim/agent"
)

// Machines have an architecture, given by the arch constraint on deploy or
// add-unit (default: the host's). jujusim never runs code for another
// architecture: a charm whose manifest lacks the machine's architecture is
// refused at deploy (as Juju 4 refuses it), and a dispatch that is an ELF
// for another architecture fails its hooks with the kernel's "exec format
// error" without being started.

// Juju's architecture names (juju/juju core/arch) and Go's for them.
var jujuArchOfGo = map[string]string{
	"amd64": "amd64", "arm64": "arm64", "s390x": "s390x", "ppc64le": "ppc64el", "riscv64": "riscv64",
}

// elfMachines are the ELF machine types of Juju's architectures.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "s390x": elf.EM_S390, "ppc64el": elf.EM_PPC64, "riscv64": elf.EM_RISCV,
}

// HostArch is the host's architecture under Juju's name.
func HostArch() string {
	if a, ok := jujuArchOfGo[runtime.GOARCH]; ok {
		return a
	}
	return runtime.GOARCH
}

// parseConstraints reads a Juju constraints string ("arch=arm64 mem=4G")
// and returns the arch. Other constraints Juju knows are accepted and have
// no effect on a jujusim machine; unknown ones are refused as Juju refuses
// them.
func parseConstraints(s string) (arch string, err error) {
	known := map[string]bool{
		"arch": true, "cores": true, "cpu-cores": true, "cpu-power": true, "mem": true, "root-disk": true,
		"root-disk-source": true, "tags": true, "instance-role": true, "instance-type": true, "spaces": true,
		"virt-type": true, "zones": true, "allocate-public-ip": true, "image-id": true, "container": true,
	}
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return "", fmt.Errorf("malformed constraint %q", f)
		}
		if !known[k] {
			return "", fmt.Errorf("unknown constraint %q", k)
		}
		if k == "arch" {
			if _, ok := elfMachines[v]; !ok {
				return "", fmt.Errorf("bad \"arch\" constraint: %q not recognized", v)
			}
			arch = v
		}
	}
	return arch, nil
}

// charmArchs returns the architectures the charm's manifest lists over all
// its bases, sorted; nil when it lists none.
func charmArchs(ch charm.Charm) []string {
	mf := ch.Manifest()
	if mf == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, b := range mf.Bases {
		for _, a := range b.Architectures {
			seen[a] = true
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// checkArch refuses a charm whose manifest lacks arch. The text is Juju
// 4's (juju/juju#20576; quoted in juju/terraform-provider-juju#1104:
// `requested architecture "amd64" not found in available architectures
// [...]`). Juju 3.6 did not check (juju/juju#20559); jujusim is strict.
func checkArch(ch charm.Charm, arch string) error {
	archs := charmArchs(ch)
	if archs == nil {
		// A charm without a manifest (a v1 charm, or jujusim's own test
		// charm) makes no claim; jujusim lets it run anywhere.
		return nil
	}
	for _, a := range archs {
		if a == arch {
			return nil
		}
	}
	return fmt.Errorf("requested architecture %q not found in available architectures [%s]", arch, strings.Join(archs, " "))
}

// errExecFormat is what the kernel answers for a binary of another
// architecture (ENOEXEC), as os/exec reports it.
var errExecFormat = errors.New("exec format error")

// foreignBinary reports whether path is an ELF built for another
// architecture than arch (scripts and unreadable files are not).
func foreignBinary(path, arch string) (elf.Machine, bool) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	want, ok := elfMachines[arch]
	return f.Machine, ok && f.Machine != want
}

// runOnMachine runs a hook, action or exec process on a machine of arch:
// a handler that is an ELF for another architecture fails as the kernel
// would fail it, without being started. A handler for the machine's
// architecture that is not the host's cannot run here either (jujusim
// does not emulate): that is said plainly rather than passed off as Juju.
func runOnMachine(ctx context.Context, arch string, handler string, p agent.Process) (agent.Result, error) {
	if handler != "" {
		if m, foreign := foreignBinary(handler, arch); foreign {
			return agent.Result{Code: 1}, fmt.Errorf("fork/exec %s: %w (an ELF for %s on a machine of architecture %s)", handler, errExecFormat, m, arch)
		}
		if arch != HostArch() {
			if _, foreign := foreignBinary(handler, HostArch()); foreign {
				return agent.Result{Code: 1}, fmt.Errorf("cannot run %s: jujusim does not emulate %s on this %s host", handler, arch, HostArch())
			}
		}
	}
	return agent.Run(ctx, p)
}

// machineArch is a machine's architecture ("" in models made before
// machines had one means the host's).
func machineArch(a string) string {
	if a == "" {
		return HostArch()
	}
	return a
}
