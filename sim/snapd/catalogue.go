package snapd

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/snapcore/snapd/snap/channel"
	"gopkg.in/yaml.v3"
)

// Catalogue is the fake store: for each snap, the channels it publishes and
// the revision and version each channel serves. It is data (YAML) so a test
// can add a channel or a newer revision and watch a refresh pick it up:
//
//	snaps:
//	  - name: etcd
//	    channels:
//	      3.5/stable: {revision: 35035, version: 3.5.35}
//	      3.6/edge:   {revision: 36017, version: 3.6.16, bins: /some/dir}
//
// A release's binaries live in bins (relative paths are under the daemon's
// bins directory; the default is the release's version, e.g. <bins>/3.5.35).
type Catalogue struct {
	Snaps []StoreSnap `yaml:"snaps"`
}

// StoreSnap is one snap the store knows.
type StoreSnap struct {
	Name        string `yaml:"name"`
	Summary     string `yaml:"summary,omitempty"`
	Type        string `yaml:"type,omitempty"` // app (default), os, base
	Base        string `yaml:"base,omitempty"`
	Publisher   string `yaml:"publisher,omitempty"`
	Confinement string `yaml:"confinement,omitempty"` // strict (default)
	// DefaultTrack is the track a channel without one (e.g. "stable")
	// means; empty means "latest", as in the real store.
	DefaultTrack string             `yaml:"default-track,omitempty"`
	Channels     map[string]Release `yaml:"channels"`
}

// Release is what one channel serves.
type Release struct {
	Revision int    `yaml:"revision"`
	Version  string `yaml:"version"`
	Bins     string `yaml:"bins,omitempty"`
}

var risks = []string{"stable", "candidate", "beta", "edge"}

// Validate checks names, channels and revisions.
func (c *Catalogue) Validate() error {
	seen := map[string]bool{}
	for _, s := range c.Snaps {
		if s.Name == "" {
			return fmt.Errorf("catalogue: a snap has no name")
		}
		if seen[s.Name] {
			return fmt.Errorf("catalogue: snap %q listed twice", s.Name)
		}
		seen[s.Name] = true
		for ch, rel := range s.Channels {
			parsed, err := channel.ParseVerbatim(ch, "-")
			if err != nil {
				return fmt.Errorf("catalogue: snap %q: %w", s.Name, err)
			}
			if parsed.Track == "" || parsed.Risk == "" || parsed.Branch != "" {
				return fmt.Errorf("catalogue: snap %q: channel %q must be <track>/<risk>", s.Name, ch)
			}
			if rel.Revision <= 0 || rel.Version == "" {
				return fmt.Errorf("catalogue: snap %q channel %q: need a positive revision and a version", s.Name, ch)
			}
		}
	}
	return nil
}

// LoadCatalogue reads and validates a catalogue file.
func LoadCatalogue(path string) (*Catalogue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read catalogue: %w", err)
	}
	var c Catalogue
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("cannot parse catalogue %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Write stores c as YAML at path (atomically, so a running daemon never
// reads half a file).
func (c *Catalogue) Write(path string) error {
	data, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Errorf("cannot marshal catalogue: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("cannot write catalogue: %w", err)
	}
	return os.Rename(tmp, path)
}

var versionDir = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)

// DefaultCatalogue derives the catalogue from a bins directory filled by
// scripts/etcd-bins.sh: each complete <bins>/<x.y.z> directory publishes
// etcd on track x.y, every risk, at revision x*10000+y*1000+z (so a newer
// patch release is a newer revision); the newest patch of a track wins. It
// also lists core, which the Canonical charm installs next to etcd.
func DefaultCatalogue(bins string) (*Catalogue, error) {
	entries, err := os.ReadDir(bins)
	if err != nil {
		return nil, fmt.Errorf("cannot read etcd bins directory: %w", err)
	}
	best := map[string]Release{}
	for _, e := range entries {
		m := versionDir.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(bins, e.Name(), ".complete")); err != nil {
			continue
		}
		maj, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		patch, _ := strconv.Atoi(m[3])
		rel := Release{Revision: maj*10000 + minor*1000 + patch, Version: e.Name()}
		track := m[1] + "." + m[2]
		if rel.Revision > best[track].Revision {
			best[track] = rel
		}
	}
	if len(best) == 0 {
		return nil, fmt.Errorf("no etcd releases in %s: run make etcd-bins", bins)
	}
	etcd := StoreSnap{Name: "etcd", Summary: "Resilient key-value store by CoreOS", Base: "core18",
		Publisher: "canonical", Channels: map[string]Release{}}
	for track, rel := range best {
		for _, risk := range risks {
			etcd.Channels[track+"/"+risk] = rel
		}
	}
	core := StoreSnap{Name: "core", Summary: "snapd runtime environment", Type: "os",
		Publisher: "canonical", Channels: map[string]Release{}}
	for _, risk := range risks {
		core.Channels["latest/"+risk] = Release{Revision: 16202, Version: "16-2.61.4"}
	}
	return &Catalogue{Snaps: []StoreSnap{etcd, core}}, nil
}

func (c *Catalogue) snap(name string) *StoreSnap {
	for i := range c.Snaps {
		if c.Snaps[i].Name == name {
			return &c.Snaps[i]
		}
	}
	return nil
}

// resolved is a store release chosen for a request.
type resolved struct {
	Release
	Channel string // the channel that serves it, <track>/<risk>
}

// resolve finds what ch serves. Like the store, a closed risk follows the
// next more stable one of the same track (edge → beta → candidate →
// stable). A branch is served only if the catalogue lists it (it never
// does), so branches are not available.
func (s *StoreSnap) resolve(ch channel.Channel) (resolved, bool) {
	track := ch.Track
	if track == "" {
		track = s.DefaultTrack
	}
	if track == "" {
		track = "latest"
	}
	if ch.Branch != "" {
		return resolved{}, false
	}
	risk := ch.Risk
	if risk == "" {
		risk = "stable"
	}
	level := -1
	for i, r := range risks {
		if r == risk {
			level = i
		}
	}
	for i := level; i >= 0; i-- {
		name := track + "/" + risks[i]
		if rel, ok := s.Channels[name]; ok {
			return resolved{Release: rel, Channel: track + "/" + risk}, true
		}
	}
	return resolved{}, false
}

// byRevision finds a release by revision number.
func (s *StoreSnap) byRevision(rev int) (resolved, bool) {
	for _, name := range s.channelNames() {
		if rel := s.Channels[name]; rel.Revision == rev {
			return resolved{Release: rel, Channel: name}, true
		}
	}
	return resolved{}, false
}

// channelNames lists channels by track, then from stable to edge.
func (s *StoreSnap) channelNames() []string {
	names := make([]string, 0, len(s.Channels))
	for n := range s.Channels {
		names = append(names, n)
	}
	rank := func(n string) (string, int) {
		track, risk, _ := strings.Cut(n, "/")
		for i, r := range risks {
			if r == risk {
				return track, i
			}
		}
		return track, len(risks)
	}
	sort.Slice(names, func(i, j int) bool {
		ti, ri := rank(names[i])
		tj, rj := rank(names[j])
		if ti != tj {
			return ti < tj
		}
		return ri < rj
	})
	return names
}

func (s *StoreSnap) tracks() []string {
	var out []string
	for _, n := range s.channelNames() {
		track, _, _ := strings.Cut(n, "/")
		if len(out) == 0 || out[len(out)-1] != track {
			out = append(out, track)
		}
	}
	return out
}

// binsDir is where a release's binaries are.
func (r Release) binsDir(bins string) string {
	dir := r.Bins
	if dir == "" {
		dir = r.Version
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(bins, dir)
}

// catalogueSource hands out the current catalogue, re-reading its file when
// the file changes, so tests and jujusim can publish new revisions to a
// running daemon.
type catalogueSource struct {
	mu      sync.Mutex
	path    string
	bins    string
	modTime time.Time
	size    int64
	cur     *Catalogue
}

func (cs *catalogueSource) get() (*Catalogue, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.path == "" {
		if cs.cur == nil {
			c, err := DefaultCatalogue(cs.bins)
			if err != nil {
				return nil, err
			}
			cs.cur = c
		}
		return cs.cur, nil
	}
	st, err := os.Stat(cs.path)
	if err != nil {
		return nil, fmt.Errorf("cannot read catalogue: %w", err)
	}
	if cs.cur != nil && st.ModTime().Equal(cs.modTime) && st.Size() == cs.size {
		return cs.cur, nil
	}
	c, err := LoadCatalogue(cs.path)
	if err != nil {
		return nil, err
	}
	cs.cur, cs.modTime, cs.size = c, st.ModTime(), st.Size()
	return c, nil
}
