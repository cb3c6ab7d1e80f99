// Package bench measures what the etcd charm costs against bare etcd, in
// one run: the charm on jujusim next to etcd processes started by hand on
// loopback (cmd/etcdbench is its command line, `make bench` runs it).
package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Config says what to run with.
type Config struct {
	Short    bool   // CI: few iterations, no 5-unit turn-up, no snapshot benchmark
	Repo     string // the repository root (for go test ./actions)
	Jujusim  string // bin/jujusim
	Charm    string // the unpacked etcd charm (build/charm)
	Easyrsa  string // build/easyrsa.charm
	Client   string // build/etcd-client.charm
	EtcdBins string // $ETCD_BINS
	Self     string // a static build of etcdbench, the dispatch wrapper
	// Concurrency is jujusim's --concurrency: units running hooks at once.
	Concurrency int
	Log         io.Writer
}

func (c Config) logf(format string, args ...any) {
	fmt.Fprintf(c.Log, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
}

// Run runs every figure and returns the results; a figure that fails is
// reported as FAILED with its reason and the run goes on.
func Run(cfg Config) (*Results, error) {
	res := &Results{}
	work, err := os.MkdirTemp("", "etcdbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	charm := filepath.Join(work, "etcd-charm")
	if err := WrapCharm(cfg.Charm, charm, cfg.Self); err != nil {
		return nil, err
	}
	etcd := filepath.Join(cfg.EtcdBins, "3.6.16", "etcd")
	if _, err := os.Stat(etcd); err != nil {
		return nil, fmt.Errorf("cannot find etcd 3.6 (make etcd-bins): %w", err)
	}
	runs := 20
	if cfg.Short {
		runs = 5
	}
	sizes := []int{3, 5}
	if cfg.Short {
		sizes = []int{3}
	}

	// Bare baselines first, alone on the machine.
	bareTurnUp := map[int]time.Duration{}
	var bareScale time.Duration
	for i, n := range sizes {
		cfg.logf("bare etcd: static TLS bootstrap of %d members", n)
		b, err := NewBare(etcd, mkdir(work, fmt.Sprintf("bare%d", n)), fmt.Sprintf("127.0.%d.", 250-i))
		if err != nil {
			return nil, err
		}
		d, err := turnUpBare(b, n)
		if err == nil {
			bareTurnUp[n] = d
		} else {
			res.note("bare turn-up %d: %v", n, err)
		}
		if n == 3 && err == nil {
			// etcd refuses membership changes for 5 s after a member
			// starts (its health interval); the charm's cluster has been
			// up longer than that when it scales out.
			time.Sleep(6 * time.Second)
			cfg.logf("bare etcd: learner add, start, promote")
			if bareScale, err = scaleOutBare(b); err != nil {
				res.note("bare scale-out: %v", err)
			}
		}
		b.Stop()
	}

	// The charm: turn-up 3, hooks, scale-out on one model.
	cfg.logf("jujusim: deploy 3 units")
	s, err := NewSim(cfg.Jujusim, work, 1, cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	func() {
		defer s.Destroy()
		d, err := turnUpCharm(s, res, charm, cfg.Easyrsa, 3)
		if err != nil {
			res.fail("turn-up 3 units", err)
			return
		}
		addTurnUp(res, 3, d, bareTurnUp[3])
		cfg.logf("jujusim: hook latency, %d runs each", runs)
		if _, err := s.Run("deploy", cfg.Client, "etcd-client"); err != nil {
			res.fail("hook latency", err)
			return
		}
		if _, err := s.Run("integrate", "etcd:db", "etcd-client:etcd"); err != nil {
			res.fail("hook latency", err)
			return
		}
		if err := s.WaitActive(5 * time.Minute); err != nil {
			res.fail("hook latency", err)
			return
		}
		if err := measureHooks(s, res, "etcd/0", runs); err != nil {
			res.fail("hook latency", err)
		}
		if err := s.WaitActive(5 * time.Minute); err != nil {
			res.fail("scale-out 3→4", err)
			return
		}
		cfg.logf("jujusim: add one unit")
		fromCert, fromAdd, err := scaleOutCharm(s, res)
		if err != nil {
			res.fail("scale-out 3→4", err)
			return
		}
		res.add(Row{Figure: "scale-out 3→4: certificate issued → voting member", Value: secs(fromCert), Baseline: secs(bareScale),
			Ratio: ratio(float64(fromCert), float64(bareScale)), Goal: "≤ 2x"})
		res.add(Row{Figure: "scale-out 3→4: add-unit → voting member", Value: secs(fromAdd), Baseline: secs(bareScale),
			Ratio: ratio(float64(fromAdd), float64(bareScale)), Goal: "-"})
	}()
	if err := s.Destroy(); err != nil {
		res.note("destroy: %v", err)
	}

	if !cfg.Short {
		cfg.logf("jujusim: deploy 5 units")
		s5, err := NewSim(cfg.Jujusim, work, 2, cfg.Concurrency)
		if err != nil {
			return nil, err
		}
		d, err := turnUpCharm(s5, res, charm, cfg.Easyrsa, 5)
		if err != nil {
			res.fail("turn-up 5 units", err)
		} else {
			addTurnUp(res, 5, d, bareTurnUp[5])
		}
		if err := s5.Destroy(); err != nil {
			res.note("destroy: %v", err)
		}
	}

	cfg.logf("jujusim: rolling upgrade 3.5 → 3.6 under writes")
	su, err := NewSim(cfg.Jujusim, work, 3, cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	before := 10 * time.Second
	if cfg.Short {
		before = 4 * time.Second
	}
	if err := rollingUpgrade(su, res, charm, cfg.Easyrsa, before); err != nil {
		res.fail("rolling upgrade 3.5→3.6", err)
	}
	if err := su.Destroy(); err != nil {
		res.note("destroy: %v", err)
	}

	if cfg.Short {
		res.note("short mode: %d runs per hook, no 5-unit turn-up, no snapshot/restore benchmark (make bench runs them)", runs)
	} else {
		cfg.logf("snapshot and restore: go test ./actions -bench SnapshotRestore")
		if err := snapshotRestore(cfg.Repo, res); err != nil {
			res.fail("snapshot/restore", err)
		}
	}
	return res, nil
}

func addTurnUp(res *Results, n int, charm, bare time.Duration) {
	res.add(Row{
		Figure:   fmt.Sprintf("turn-up %d units: last certificate → all active and healthy", n),
		Value:    secs(charm),
		Baseline: secs(bare),
		Ratio:    ratio(float64(charm), float64(bare)),
		Goal:     "≤ 1.5x",
	})
}

func mkdir(parent, name string) string {
	p := filepath.Join(parent, name)
	_ = os.MkdirAll(p, 0o755)
	return p
}
