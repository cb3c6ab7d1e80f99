// Package charmpack assembles a charm the way Juju expects to receive it: a
// zip whose root holds metadata.yaml, config.yaml, actions.yaml and
// manifest.yaml (Juju reads only these, juju-hook-semantics.md §7), an
// executable dispatch (Juju runs <charm>/dispatch for every hook and action
// when it exists), and documentation. Nothing else goes in: no sources.
package charmpack

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

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
	manifest, err := manifestFor(opts.Src)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"manifest.yaml", 0o644, manifest})
	bin, err := os.ReadFile(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("cannot read charm binary: %w", err)
	}
	files = append(files, file{"dispatch", 0o755, bin})
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// manifestFor returns src's manifest.yaml, or one made from the run-on bases
// of its charmcraft.yaml (what charmcraft pack writes).
func manifestFor(src string) ([]byte, error) {
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
	return ManifestFromCharmcraft(data)
}

type base struct {
	Name          string   `yaml:"name"`
	Channel       string   `yaml:"channel"`
	Architectures []string `yaml:"architectures"`
}

// ManifestFromCharmcraft turns charmcraft.yaml's run-on bases into the
// manifest.yaml Juju reads.
func ManifestFromCharmcraft(charmcraft []byte) ([]byte, error) {
	var cc struct {
		Bases []struct {
			BuildOn []base `yaml:"build-on"`
			RunOn   []base `yaml:"run-on"`
		} `yaml:"bases"`
	}
	if err := yaml.Unmarshal(charmcraft, &cc); err != nil {
		return nil, fmt.Errorf("cannot parse charmcraft.yaml: %w", err)
	}
	var m struct {
		Bases []base `yaml:"bases"`
	}
	for _, b := range cc.Bases {
		runOn := b.RunOn
		if len(runOn) == 0 {
			runOn = b.BuildOn
		}
		m.Bases = append(m.Bases, runOn...)
	}
	if len(m.Bases) == 0 {
		return nil, errors.New("cannot make manifest.yaml: charmcraft.yaml has no bases")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("cannot write manifest.yaml: %w", err)
	}
	return buf.Bytes(), nil
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
