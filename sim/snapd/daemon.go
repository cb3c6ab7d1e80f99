// Package snapd is jujusim's fake snapd: one daemon per simulated machine,
// serving snapd's REST API on <root>/run/snapd.socket to the real
// github.com/snapcore/snapd/client, backed by a fake store (a catalogue of
// etcd releases whose binaries are real) and a supervisor that runs snap
// services like the systemd units snapd writes.
//
// Everything it creates lives under the machine root: /snap/<name>/<rev>,
// /snap/bin wrappers, /var/snap/<name>/{common,<rev>,current}, logs and
// sideloaded blobs under /var/lib/snapd. The charm derives the same paths
// from $SNAPPY_GLOBAL_ROOT, so the files it writes are the files the
// services read.
package snapd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Config configures one machine's daemon.
type Config struct {
	// Root is the machine root ($SNAPPY_GLOBAL_ROOT). Required.
	Root string
	// Bins is the directory filled by scripts/etcd-bins.sh. Required
	// unless CatalogueFile lists only absolute bins.
	Bins string
	// CatalogueFile, when set, is the store catalogue (re-read when it
	// changes); otherwise DefaultCatalogue(Bins) is used.
	CatalogueFile string
	// Arch is the architecture the store reports (default: the Debian
	// name of GOARCH, e.g. amd64).
	Arch string
	// RestartDelay is RestartSec of the service units (default 500ms;
	// systemd's own default is 100ms, the etcd charm's drop-in says 10s).
	RestartDelay time.Duration
	// StartLimitInterval and StartLimitBurst are the units' start rate
	// limit (default systemd's 10s and 5; a negative interval disables it).
	StartLimitInterval time.Duration
	StartLimitBurst    int
	// StopTimeout is how long a stopping service gets after SIGTERM
	// before SIGKILL (default 10s).
	StopTimeout time.Duration
	// MinPolls and Settle hold a finished change at Doing until it has
	// been polled MinPolls times or Settle has passed (defaults 2, 300ms).
	MinPolls int
	Settle   time.Duration
	// ChangeDelay is added before every change runs (a slow store).
	ChangeDelay time.Duration
	// Faults are armed at start.
	Faults Faults
}

// Faults are switches tests use to exercise a charm's error paths.
type Faults struct {
	// FailNext makes the next change's first task fail with this error;
	// the change ends in status Error with snapd's err text.
	FailNext string `json:"fail-next,omitempty"`
	// ConflictNext makes the next change-creating request answer 409
	// snap-change-conflict (client.IsRetryable is true for it).
	ConflictNext bool `json:"conflict-next,omitempty"`
	// SlowNext delays the next change by this long (several Doing polls).
	SlowNext time.Duration `json:"slow-next,omitempty"`
	// Maintenance, when set ("daemon-restart" or "system-restart"), adds
	// the maintenance member to every reply, as snapd does while it is
	// about to restart.
	Maintenance        string `json:"maintenance,omitempty"`
	MaintenanceMessage string `json:"maintenance-message,omitempty"`
}

// ConflictKind is the change kind reported by an injected conflict.
func (f Faults) ConflictKind() string { return "install-snap" }

// Daemon is one machine's fake snapd.
type Daemon struct {
	cfg    Config
	store  *catalogueSource
	ln     net.Listener
	srv    *http.Server
	kick   chan struct{}
	logs   *logBook
	sup    *supervisor
	closed chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	mu      sync.Mutex
	lastID  int
	changes map[string]*change
	queue   []*change
	snaps   map[string]*installedSnap
	conf    map[string]map[string]any
	conns   map[string]bool // "etcd:removable-media" connected
	faults  Faults
}

// SocketPath is where a machine root's snapd listens.
func SocketPath(root string) string { return filepath.Join(root, "run", "snapd.socket") }

func debianArch() string {
	switch runtime.GOARCH {
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	}
	return runtime.GOARCH
}

// New prepares the machine root, reads the current state of the snaps
// installed there and listens on the socket. Serve must follow.
func New(cfg Config) (*Daemon, error) {
	if cfg.Root == "" {
		return nil, errors.New("cannot start snapd: no machine root")
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("cannot start snapd: %w", err)
	}
	cfg.Root = root
	if cfg.Bins != "" {
		if cfg.Bins, err = filepath.Abs(cfg.Bins); err != nil {
			return nil, fmt.Errorf("cannot start snapd: %w", err)
		}
	}
	if cfg.Arch == "" {
		cfg.Arch = debianArch()
	}
	if cfg.RestartDelay <= 0 {
		cfg.RestartDelay = 500 * time.Millisecond
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 10 * time.Second
	}
	if cfg.MinPolls <= 0 {
		cfg.MinPolls = 2
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 300 * time.Millisecond
	}
	d := &Daemon{cfg: cfg, kick: make(chan struct{}, 1), closed: make(chan struct{}),
		changes: map[string]*change{}, snaps: map[string]*installedSnap{},
		conf: map[string]map[string]any{"core": {}}, conns: map[string]bool{}, faults: cfg.Faults,
		store: &catalogueSource{path: cfg.CatalogueFile, bins: cfg.Bins}}
	if _, err := d.store.get(); err != nil {
		return nil, fmt.Errorf("cannot start snapd: %w", err)
	}
	d.logs = newLogBook(filepath.Join(root, "var", "log"))
	d.sup = newSupervisor(d.logs, cfg.RestartDelay, cfg.StopTimeout)
	d.sup.startLimit = newStartLimit(cfg.StartLimitInterval, cfg.StartLimitBurst)
	for _, dir := range []string{"run", "snap/bin", "var/snap", "var/lib/snapd/snaps", "var/log"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			return nil, fmt.Errorf("cannot start snapd: %w", err)
		}
	}
	if err := d.loadState(); err != nil {
		return nil, fmt.Errorf("cannot start snapd: %w", err)
	}
	sock := SocketPath(root)
	if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("cannot start snapd: another snapd is listening on %s", sock)
	}
	_ = os.Remove(sock) // a stale socket from a daemon that died
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("cannot start snapd: %w", err)
	}
	d.ln = ln
	d.srv = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	return d, nil
}

// Serve answers requests and runs changes until ctx is done or Close is
// called; then it stops every service it started.
func (d *Daemon) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.runChanges(ctx)
	}()
	go d.startAtBoot()
	go func() {
		select {
		case <-ctx.Done():
		case <-d.closed:
		}
		d.shutdown()
	}()
	err := d.srv.Serve(d.ln)
	cancel()
	d.wg.Wait()
	d.sup.stopAll()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the daemon and its services. Safe to call more than once.
func (d *Daemon) Close() error {
	d.shutdown()
	d.sup.stopAll()
	return nil
}

func (d *Daemon) shutdown() {
	d.once.Do(func() {
		close(d.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = d.srv.Shutdown(ctx)
		_ = os.Remove(SocketPath(d.cfg.Root))
	})
}

func (d *Daemon) wake() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// SetFaults replaces the armed faults.
func (d *Daemon) SetFaults(f Faults) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = f
}

// Faults returns the armed faults (one-shot ones disappear once used).
func (d *Daemon) Faults() Faults {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.faults
}

func (d *Daemon) maintenance() *maintenance {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.faults.Maintenance == "" {
		return nil
	}
	msg := d.faults.MaintenanceMessage
	if msg == "" {
		msg = defaultMaintenanceMessage
		if d.faults.Maintenance == maintenanceSystemRestart {
			msg = "system is restarting"
		}
	}
	return &maintenance{Kind: d.faults.Maintenance, Message: msg}
}

// decodeJSON reads a JSON request body. Content-Type is not checked: the
// real client omits it on several endpoints.
func decodeJSON(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return badRequest("cannot decode request body: %v", err)
	}
	return nil
}
