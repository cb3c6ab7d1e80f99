package snapd

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// snapRevision is one revision in a snap's sequence.
type snapRevision struct {
	Revision string   `json:"revision"` // "36016", or "x1" for a sideload
	Channel  string   `json:"channel"`  // where it came from; "" for a sideload
	Meta     snapMeta `json:"meta"`
}

func (r snapRevision) local() bool { return strings.HasPrefix(r.Revision, "x") }

// installedSnap is snapd's per-snap state: the sequence of revisions kept on
// disk (current last unless reverted), what it tracks, and which services
// are disabled.
type installedSnap struct {
	Name        string          `json:"name"`
	Sequence    []snapRevision  `json:"sequence"`
	Current     int             `json:"current"`
	Tracking    string          `json:"tracking,omitempty"`
	InstallDate time.Time       `json:"install-date"`
	Disabled    bool            `json:"disabled,omitempty"`
	SvcDisabled map[string]bool `json:"services-disabled,omitempty"`
}

func (s *installedSnap) cur() snapRevision { return s.Sequence[s.Current] }

// retain is how many revisions snapd keeps (core's refresh.retain default).
const retain = 2

// nextLocalRevision is snapd's LocalRevision: one below the lowest x-revision
// ever used, shown as x1, x2, ...
func (s *installedSnap) nextLocalRevision() string {
	n := 0
	for _, r := range s.Sequence {
		if v, err := strconv.Atoi(strings.TrimPrefix(r.Revision, "x")); err == nil && r.local() && v > n {
			n = v
		}
	}
	return "x" + strconv.Itoa(n+1)
}

type publisher struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display-name"`
	Validation  string `json:"validation"`
}

type appJSON struct {
	Snap    string `json:"snap"`
	Name    string `json:"name"`
	Daemon  string `json:"daemon,omitempty"`
	Enabled bool   `json:"enabled,omitempty"`
	Active  bool   `json:"active,omitempty"`
}

type channelJSON struct {
	Revision    string    `json:"revision"`
	Confinement string    `json:"confinement"`
	Version     string    `json:"version"`
	Channel     string    `json:"channel"`
	Epoch       string    `json:"epoch"`
	Size        int64     `json:"size"`
	ReleasedAt  time.Time `json:"released-at"`
}

// snapJSON is client.Snap on the wire. revision is always a non-empty
// string and install-date RFC 3339 or absent: "" breaks the client.
type snapJSON struct {
	ID               string                 `json:"id"`
	Summary          string                 `json:"summary"`
	Description      string                 `json:"description"`
	InstallDate      *time.Time             `json:"install-date,omitempty"`
	Name             string                 `json:"name"`
	Publisher        *publisher             `json:"publisher,omitempty"`
	Developer        string                 `json:"developer"`
	Status           string                 `json:"status"`
	Type             string                 `json:"type"`
	Base             string                 `json:"base,omitempty"`
	Version          string                 `json:"version"`
	Channel          string                 `json:"channel"`
	TrackingChannel  string                 `json:"tracking-channel,omitempty"`
	IgnoreValidation bool                   `json:"ignore-validation"`
	Revision         string                 `json:"revision"`
	Confinement      string                 `json:"confinement"`
	Private          bool                   `json:"private"`
	DevMode          bool                   `json:"devmode"`
	JailMode         bool                   `json:"jailmode"`
	Apps             []appJSON              `json:"apps,omitempty"`
	Contact          string                 `json:"contact"`
	MountedFrom      string                 `json:"mounted-from,omitempty"`
	Channels         map[string]channelJSON `json:"channels,omitempty"`
	Tracks           []string               `json:"tracks,omitempty"`
}

func snapID(name string) string { return "jujusim-" + name + "-id" }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// snapInfo renders an installed snap. Called with d.mu held.
func (d *Daemon) snapInfo(s *installedSnap) snapJSON {
	cur := s.cur()
	date := s.InstallDate
	j := snapJSON{ID: snapID(s.Name), Name: s.Name, Summary: cur.Meta.Summary,
		Description: cur.Meta.Description, InstallDate: &date, Developer: "canonical",
		Publisher: &publisher{ID: "canonical", Username: "canonical", DisplayName: "Canonical", Validation: "verified"},
		Status:    "active", Type: orDefault(cur.Meta.Type, "app"), Base: cur.Meta.Base,
		Version: cur.Meta.Version, Channel: cur.Channel, TrackingChannel: s.Tracking,
		Revision: cur.Revision, Confinement: orDefault(cur.Meta.Confinement, "strict"),
		MountedFrom: d.blobPath(s.Name, cur.Revision)}
	if cur.local() {
		j.ID, j.Publisher, j.Developer = "", nil, ""
	}
	if s.Disabled {
		j.Status = "installed"
	}
	j.Apps = d.appInfos(s, cur.Meta.appNames())
	return j
}

// appInfos lists the named apps of s. enabled/active are filled only for
// services of an active snap. Called with d.mu held.
func (d *Daemon) appInfos(s *installedSnap, apps []string) []appJSON {
	meta := s.cur().Meta
	var out []appJSON
	for _, app := range apps {
		a := appJSON{Snap: s.Name, Name: app, Daemon: meta.Apps[app].Daemon}
		if a.Daemon != "" && !s.Disabled {
			a.Enabled = !s.SvcDisabled[app]
			a.Active = d.sup.active(serviceID(s.Name, app))
		}
		out = append(out, a)
	}
	return out
}

// getSnap serves GET /v2/snaps/{name}.
func (d *Daemon) getSnap(name string) reply {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.snaps[name]
	if !ok {
		return errorReply(errSnapNotInstalledGET(name))
	}
	return syncReply(d.snapInfo(s))
}

// listSnaps serves GET /v2/snaps?snaps=a,b&select=all|enabled.
func (d *Daemon) listSnaps(r *http.Request) reply {
	q := r.URL.Query()
	sel := q.Get("select")
	if sel != "" && sel != "all" && sel != "enabled" {
		return errorReply(badRequest("invalid select parameter: %q", sel))
	}
	var want []string
	if v := q.Get("snaps"); v != "" {
		want = strings.Split(v, ",")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []snapJSON{}
	names := slices.Sorted(maps.Keys(d.snaps))
	for _, n := range names {
		if len(want) > 0 && !contains(want, n) {
			continue
		}
		s := d.snaps[n]
		if sel == "enabled" && s.Disabled {
			continue
		}
		out = append(out, d.snapInfo(s))
	}
	return sourcesReply(out, "local")
}

// find serves GET /v2/find?name=<name>[*] or ?q=<text>: store entries with
// every channel and the tracks, so a charm can choose a track.
func (d *Daemon) find(r *http.Request) reply {
	cat, err := d.store.get()
	if err != nil {
		return errorReply(internalError("%v", err))
	}
	q := r.URL.Query()
	name, text := q.Get("name"), q.Get("q")
	if name != "" && text != "" {
		return errorReply(badRequest("cannot use 'q' and 'name' together"))
	}
	if q.Get("select") == "refresh" {
		return errorReply(badRequest("cannot use 'select=refresh' with the fake store"))
	}
	out := []snapJSON{}
	for i := range cat.Snaps {
		s := &cat.Snaps[i]
		switch {
		case strings.HasSuffix(name, "*"):
			if !strings.HasPrefix(s.Name, strings.TrimSuffix(name, "*")) {
				continue
			}
		case name != "":
			if s.Name != name {
				continue
			}
		case text != "":
			if !strings.Contains(s.Name, text) && !strings.Contains(strings.ToLower(s.Summary), strings.ToLower(text)) {
				continue
			}
		}
		out = append(out, d.storeInfo(s))
	}
	if name != "" && !strings.HasSuffix(name, "*") && len(out) == 0 {
		return errorReply(kindError(http.StatusNotFound, kindSnapNotFound, name, "snap not found"))
	}
	return sourcesReply(out, "store")
}

// storeInfo renders a store entry: the default track's stable release (or
// the first channel) as the headline revision, and every channel.
func (d *Daemon) storeInfo(s *StoreSnap) snapJSON {
	j := snapJSON{ID: snapID(s.Name), Name: s.Name, Summary: s.Summary, Developer: orDefault(s.Publisher, "canonical"),
		Publisher: &publisher{ID: orDefault(s.Publisher, "canonical"), Username: orDefault(s.Publisher, "canonical"),
			DisplayName: orDefault(s.Publisher, "canonical"), Validation: "verified"},
		Status: "available", Type: orDefault(s.Type, "app"), Base: s.Base,
		Confinement: orDefault(s.Confinement, "strict"), Channels: map[string]channelJSON{}, Tracks: s.tracks()}
	names := s.channelNames()
	for _, ch := range names {
		rel := s.Channels[ch]
		j.Channels[ch] = channelJSON{Revision: strconv.Itoa(rel.Revision), Confinement: j.Confinement,
			Version: rel.Version, Channel: ch, Epoch: "0", Size: 1 << 24,
			ReleasedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	head := ""
	if s.DefaultTrack != "" {
		head = s.DefaultTrack + "/stable"
	}
	if _, ok := s.Channels[head]; !ok && len(names) > 0 {
		head = names[0]
	}
	if rel, ok := s.Channels[head]; ok {
		j.Version, j.Revision, j.Channel = rel.Version, strconv.Itoa(rel.Revision), head
	} else {
		j.Revision = "unset"
	}
	return j
}
