// Package charmpack assembles a charm the way Juju expects to receive it: a
// zip whose root holds metadata.yaml, config.yaml, actions.yaml and
// manifest.yaml (Juju reads only these, juju-hook-semantics.md §7), an
// executable dispatch (Juju runs <charm>/dispatch for every hook and action
// when it exists), and documentation. Nothing else goes in: no sources.
package charmpack

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Options says what to pack.
type Options struct {
	// Src is the charm's source directory: metadata.yaml (required),
	// config.yaml, actions.yaml, manifest.yaml or charmcraft.yaml, README.md,
	// LICENSE, icon.svg.
	Src string
	// Binary is the built charm binary, packed as dispatch.
	Binary string
	// Stage, when set, receives the unpacked charm too (what Juju would
	// unpack on a unit), so it can be run directly.
	Stage string
	// Out is the .charm file to write.
	Out string
	// Arch is the platform architecture packed (Juju's name: amd64, arm64,
	// s390x, ...). The manifest made from charmcraft.yaml lists only the
	// bases of that architecture, and Binary must be an ELF for it. Empty:
	// the architecture Binary is built for (all platforms when Binary is
	// not an ELF).
	Arch string
}

// contractFiles are copied when present; metadata.yaml is required.
var contractFiles = []string{"metadata.yaml", "config.yaml", "actions.yaml", "README.md", "LICENSE", "icon.svg"}

// Pack writes the charm archive (and the stage directory).
func Pack(opts Options) error {
	files, err := collect(opts)
	if err != nil {
		return err
	}
	if opts.Stage != "" {
		if err := stage(opts.Stage, files); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		hdr.SetMode(f.mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("cannot add %s to charm: %w", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return fmt.Errorf("cannot add %s to charm: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot write charm: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Out), 0o755); err != nil {
		return fmt.Errorf("cannot write charm: %w", err)
	}
	tmp := opts.Out + ".part"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("cannot write charm: %w", err)
	}
	return os.Rename(tmp, opts.Out)
}

type file struct {
	name string
	mode fs.FileMode
	data []byte
}

func collect(opts Options) ([]file, error) {
	var files []file
	for _, name := range contractFiles {
		data, err := os.ReadFile(filepath.Join(opts.Src, name))
		if errors.Is(err, fs.ErrNotExist) && name != "metadata.yaml" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read charm file: %w", err)
		}
		files = append(files, file{name, 0o644, data})
	}
	bin, err := os.ReadFile(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("cannot read charm binary: %w", err)
	}
	arch, err := binaryArch(bin, opts.Arch)
	if err != nil {
		return nil, err
	}
	manifest, err := manifestFor(opts.Src, arch)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"manifest.yaml", 0o644, manifest})
	files = append(files, file{"dispatch", 0o755, bin})
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// manifestFor returns src's manifest.yaml, or one made from its
// charmcraft.yaml for arch (what charmcraft pack writes).
func manifestFor(src, arch string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(src, "manifest.yaml"))
	if err == nil {
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot read manifest: %w", err)
	}
	data, err = os.ReadFile(filepath.Join(src, "charmcraft.yaml"))
	if err != nil {
		return nil, fmt.Errorf("cannot make manifest.yaml: need manifest.yaml or charmcraft.yaml: %w", err)
	}
	return ManifestFromCharmcraft(data, arch)
}

type base struct {
	Name          string   `yaml:"name"`
	Channel       string   `yaml:"channel"`
	Architectures []string `yaml:"architectures"`
}

// platform is one entry of charmcraft 3's platforms: build-for is one
// "<name>@<channel>:<arch>"; a platform given only by such a key (the
// shorthand) builds on and for itself.
type platform struct {
	BuildOn  []string `yaml:"build-on"`
	BuildFor []string `yaml:"build-for"`
}

// ManifestFromCharmcraft turns charmcraft.yaml's platforms (charmcraft 3)
// or run-on bases (charmcraft 2) into the manifest.yaml Juju reads, for
// the platforms of arch ("" = all). charmcraft packs one charm per
// platform; make charm packs one per architecture, listing every base of
// that architecture (the static binary is the same for each base).
func ManifestFromCharmcraft(charmcraft []byte, arch string) ([]byte, error) {
	var cc struct {
		Bases []struct {
			BuildOn []base `yaml:"build-on"`
			RunOn   []base `yaml:"run-on"`
		} `yaml:"bases"`
		Platforms map[string]*platform `yaml:"platforms"`
	}
	if err := yaml.Unmarshal(charmcraft, &cc); err != nil {
		return nil, fmt.Errorf("cannot parse charmcraft.yaml: %w", err)
	}
	var all []base
	for _, b := range cc.Bases {
		runOn := b.RunOn
		if len(runOn) == 0 {
			runOn = b.BuildOn
		}
		all = append(all, runOn...)
	}
	names := slices.Sorted(maps.Keys(cc.Platforms))
	for _, name := range names {
		p := cc.Platforms[name]
		targets := []string{name}
		if p != nil {
			targets = p.BuildFor
		}
		if len(targets) != 1 {
			return nil, fmt.Errorf("cannot parse charmcraft.yaml: platform %q: build-for must name one base and architecture", name)
		}
		b, err := parsePlatformTarget(targets[0])
		if err != nil {
			return nil, fmt.Errorf("cannot parse charmcraft.yaml: platform %q: %w", name, err)
		}
		all = append(all, b)
	}
	var m struct {
		Bases []base `yaml:"bases"`
	}
	for _, b := range all {
		if arch == "" {
			m.Bases = append(m.Bases, b)
			continue
		}
		for _, a := range b.Architectures {
			if a == arch {
				m.Bases = append(m.Bases, base{Name: b.Name, Channel: b.Channel, Architectures: []string{arch}})
			}
		}
	}
	if len(m.Bases) == 0 && arch != "" {
		return nil, fmt.Errorf("cannot make manifest.yaml: charmcraft.yaml has no platform for %s", arch)
	}
	if len(m.Bases) == 0 {
		return nil, errors.New("cannot make manifest.yaml: charmcraft.yaml has no bases or platforms")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("cannot write manifest.yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// parsePlatformTarget parses "ubuntu@22.04:amd64".
func parsePlatformTarget(s string) (base, error) {
	b, arch, ok := strings.Cut(s, ":")
	name, channel, ok2 := strings.Cut(b, "@")
	if !ok || !ok2 || name == "" || channel == "" || arch == "" {
		return base{}, fmt.Errorf("%q is not <name>@<channel>:<arch>", s)
	}
	return base{Name: name, Channel: channel, Architectures: []string{arch}}, nil
}

// Juju's architecture names by ELF machine.
var archOfMachine = map[elf.Machine]string{
	elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_S390: "s390x", elf.EM_PPC64: "ppc64el", elf.EM_RISCV: "riscv64",
}

// binaryArch returns the architecture to pack: want, which an ELF binary
// must be built for, or the binary's own ("" for a script).
func binaryArch(bin []byte, want string) (string, error) {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return want, nil // not an ELF (a script dispatch)
	}
	got, ok := archOfMachine[f.Machine]
	if !ok {
		return "", fmt.Errorf("cannot pack: dispatch is an ELF for %s, which Juju has no architecture name for", f.Machine)
	}
	if want != "" && got != want {
		return "", fmt.Errorf("cannot pack for %s: dispatch is an ELF for %s", want, got)
	}
	return got, nil
}

// stage writes files into dir, replacing what was there except dispatch
// when it is already the binary being packed.
func stage(dir string, files []file) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot stage charm: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if existing, err := os.ReadFile(path); err == nil && bytes.Equal(existing, f.data) {
			if err := os.Chmod(path, f.mode); err != nil {
				return fmt.Errorf("cannot stage charm: %w", err)
			}
			continue
		}
		if err := writeFileAtomic(path, f.data, f.mode); err != nil {
			return fmt.Errorf("cannot stage charm: %w", err)
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stage-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, bytes.NewReader(data)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
