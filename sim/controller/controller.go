// Package controller is jujusim's controller daemon: it owns the model,
// schedules every unit agent's operations through a seeded scheduler,
// serves the hook tools (jujuc) and the CLI's API on unix sockets under
// $JUJUSIM_HOME, creates machines (root dirs, addresses, optional network
// namespaces, fake snapd) and tears everything down on destroy.
package controller

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Config configures a controller.
type Config struct {
	Home      string // $JUJUSIM_HOME
	Seed      int64  // scheduler seed (new models only)
	Isolation string // "none" (default) or "netns"
	// Subnet is where unit addresses come from. Default: the first /24 of
	// 127.0.N.0 (10.251.N.0 with netns) that no other live controller uses.
	Subnet               string
	UpdateStatusInterval time.Duration // 0 = 5m
	RetryBackoff         time.Duration // 0 = 5s
	// Concurrency is how many units may run an operation at once (new
	// models only; 0 = 1). With 1 the seeded scheduler's interleaving is
	// exactly reproducible; above 1 the seed still orders the starts but
	// hook durations decide the rest, as in Juju.
	Concurrency int
	JujucBinary string // the hook-tool binary linked into every tools dir
	// MachineTools is the snap/systemctl/journalctl binary linked into
	// every machine's <root>/usr/bin (cmd/machinetools).
	MachineTools string
	// Snapd, when non-nil, is the argv prefix that runs one machine's fake
	// snapd in the foreground; the controller appends --root <root>.
	Snapd []string
	Now   func() time.Time
}

// Controller is a running controller.
type Controller struct {
	cfg    Config
	mu     sync.Mutex
	model  *model.Model
	charms *model.Charms
	shared *agent.Shared
	rng    *mrand.Rand
	now    func() time.Time

	contexts map[string]*agent.Context
	running  map[string]context.CancelFunc // unit → cancel of its running op
	busy     sync.WaitGroup                // running op goroutines
	settled  bool
	wake     chan struct{}
	closing  chan struct{}
	loopDone chan struct{}
	closeMu  sync.Once

	jujucSrv *jujuc.Server
	httpSrv  *http.Server
	logMu    sync.Mutex
	logCfg   loggingConfig // the model's logging-config (under logMu)
	debugLog io.WriteCloser
	opsLog   io.WriteCloser
	snapds   map[string]*snapdProc
	ipPath   string

	subnetLock *os.File // held while this controller lives
	started    bool     // the scheduler loop runs

	// OnDestroyed runs after an API destroy finished (the daemon exits).
	OnDestroyed func()
}

// File names under Home.
const (
	ModelFile   = "model.json"
	APISocket   = "controller.sock"
	JujucSocket = "jujuc.sock"
	PIDFile     = "controller.pid"
	DebugLog    = "logs/debug.log"
	OpsLog      = "logs/operations.log"
)

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// New loads the model under cfg.Home or creates a new one.
func New(cfg Config) (*Controller, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Join(cfg.Home, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create controller home: %w", err)
	}
	var m *model.Model
	var lock *os.File
	path := filepath.Join(cfg.Home, ModelFile)
	if _, err := os.Stat(path); err == nil {
		if m, err = model.Load(path); err != nil {
			return nil, err
		}
		if lock, err = lockSubnet(m.Subnet); err != nil {
			return nil, err
		}
	} else {
		m = model.New(modelName(cfg.Home), newUUID(), cfg.Seed, cfg.Now().UTC())
		first := 127
		if cfg.Isolation == "netns" {
			m.Isolation = "netns"
			first = 10
		} else if cfg.Isolation != "" && cfg.Isolation != "none" {
			return nil, fmt.Errorf("unknown isolation %q (want none or netns)", cfg.Isolation)
		}
		var err error
		if cfg.Subnet != "" {
			m.Subnet = cfg.Subnet
			lock, err = lockSubnet(cfg.Subnet)
		} else if first == 10 {
			m.Subnet, lock, err = pickSubnet(10, 251)
		} else {
			m.Subnet, lock, err = pickSubnet(127, 0)
		}
		if err != nil {
			return nil, err
		}
		if cfg.UpdateStatusInterval > 0 {
			m.UpdateStatusInterval = cfg.UpdateStatusInterval
		}
		if cfg.RetryBackoff > 0 {
			m.RetryBackoff = cfg.RetryBackoff
		}
		if cfg.Concurrency > 0 {
			m.Concurrency = cfg.Concurrency
		}
	}
	c := &Controller{
		cfg:        cfg,
		model:      m,
		charms:     &model.Charms{},
		rng:        mrand.New(mrand.NewSource(m.Seed)),
		now:        cfg.Now,
		contexts:   map[string]*agent.Context{},
		running:    map[string]context.CancelFunc{},
		wake:       make(chan struct{}, 1),
		closing:    make(chan struct{}),
		loopDone:   make(chan struct{}),
		snapds:     map[string]*snapdProc{},
		subnetLock: lock,
	}
	logCfg, err := parseLoggingConfig(c.modelConfigLocked(LoggingConfigKey))
	if err != nil {
		logCfg, _ = parseLoggingConfig(DefaultLoggingConfig)
	}
	c.logCfg = logCfg
	c.shared = &agent.Shared{Mu: &c.mu, Model: m, Charms: c.charms, Log: c.logLine, Now: c.now}
	return c, nil
}

// Model gives tests read access under the controller's lock.
func (c *Controller) Model(f func(m *model.Model)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c.model)
}

// Start opens the logs and sockets, restarts machines and the scheduler.
func (c *Controller) Start() error {
	var err error
	if c.debugLog, err = os.OpenFile(filepath.Join(c.cfg.Home, DebugLog), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		return fmt.Errorf("cannot open debug log: %w", err)
	}
	if c.opsLog, err = os.OpenFile(filepath.Join(c.cfg.Home, OpsLog), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		return fmt.Errorf("cannot open operations log: %w", err)
	}
	if c.model.Isolation == "netns" {
		if err := c.setupBridge(); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.requeueInterruptedLocked()
	for _, id := range sortedMachineIDs(c.model) {
		if c.model.Machines[id].PoweredOff {
			continue // jujusim fault poweroff: down for good
		}
		if err := c.startMachineLocked(c.model.Machines[id]); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	err = c.saveLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	js := filepath.Join(c.cfg.Home, JujucSocket)
	_ = os.Remove(js)
	jl, err := net.Listen("unix", js)
	if err != nil {
		return fmt.Errorf("cannot listen on hook-tool socket: %w", err)
	}
	c.jujucSrv = jujuc.NewServer(c.lookupContext)
	go func() { _ = c.jujucSrv.Serve(jl) }()

	as := filepath.Join(c.cfg.Home, APISocket)
	_ = os.Remove(as)
	al, err := net.Listen("unix", as)
	if err != nil {
		return fmt.Errorf("cannot listen on API socket: %w", err)
	}
	c.httpSrv = &http.Server{Handler: c.apiHandler()}
	go func() { _ = c.httpSrv.Serve(al) }()
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	go c.loop()
	return nil
}

func (c *Controller) lookupContext(id string) (jujuc.Context, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, ok := c.contexts[id]
	if !ok {
		return nil, false
	}
	return ctx, true
}

// Close stops the scheduler (killing a running hook), every machine's
// processes and the servers. It leaves the model on disk, so a new
// controller on the same home resumes it.
func (c *Controller) Close() error {
	c.closeMu.Do(func() {
		close(c.closing)
		c.mu.Lock()
		for _, cancel := range c.running {
			cancel()
		}
		started := c.started
		c.mu.Unlock()
		if started {
			<-c.loopDone
		}
		c.busy.Wait()
		if c.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = c.httpSrv.Shutdown(ctx)
			cancel()
		}
		if c.jujucSrv != nil {
			c.jujucSrv.Close()
		}
		c.mu.Lock()
		for id := range c.snapds {
			c.stopSnapdLocked(id)
		}
		_ = c.saveLocked()
		c.mu.Unlock()
		if c.debugLog != nil {
			c.debugLog.Close()
		}
		if c.opsLog != nil {
			c.opsLog.Close()
		}
		if c.subnetLock != nil {
			c.subnetLock.Close()
		}
	})
	return nil
}

// requeueInterruptedLocked puts back what a controller stop cut short:
// running actions become pending and executing agents idle, so the
// operation runs again, as Juju's agent reruns the hook it had not
// committed.
func (c *Controller) requeueInterruptedLocked() {
	for _, a := range c.model.Actions {
		if a.Status == "running" {
			a.Status = "pending"
		}
	}
	for _, u := range c.model.Units {
		if u.Agent.Status == "executing" {
			u.SetAgent(model.StatusInfo{Status: "idle", Since: c.now().UTC()})
		}
	}
}

// Destroy closes the controller and removes everything it created:
// machines (network namespaces, the bridge), sockets and the home dir.
func (c *Controller) Destroy() error {
	c.Close()
	var errs []error
	c.mu.Lock()
	c.requeueInterruptedLocked()
	for _, id := range sortedMachineIDs(c.model) {
		if err := c.teardownNetNSLocked(c.model.Machines[id]); err != nil {
			errs = append(errs, err)
		}
	}
	c.mu.Unlock()
	if c.model.Isolation == "netns" {
		if err := c.teardownBridge(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(c.cfg.Home); err != nil {
		errs = append(errs, fmt.Errorf("cannot remove %s: %w", c.cfg.Home, err))
	}
	return errors.Join(errs...)
}

func (c *Controller) saveLocked() error {
	return c.model.Save(filepath.Join(c.cfg.Home, ModelFile))
}

// kick wakes the scheduler after a model change; the caller holds mu.
func (c *Controller) kick() {
	c.settled = false
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// logLine writes one debug-log line in Juju's format:
// "unit-app-0: 15:04:05 INFO unit.app/0.juju-log message", when the
// model's logging-config lets logger emit at level.
func (c *Controller) logLine(unit, level, logger, message string) {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	if c.debugLog == nil || !c.logCfg.enabled(logger, level) {
		return
	}
	fmt.Fprintf(c.debugLog, "%s: %s %s %s %s\n", model.UnitTag(unit), c.now().UTC().Format("15:04:05"), level, logger, message)
}
