// Package bench measures what the etcd charm costs against bare etcd, in
// one run: the charm on jujusim next to etcd processes started by hand on
// loopback (cmd/etcdbench is its command line, `make bench` runs it).
package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
)

// Config says what to run with.
type Config struct {
	Short    bool   // CI: few iterations, no 5-unit turn-up, no snapshot benchmark
	Repo     string // the repository root (for go test ./actions)
	Jujusim  string // bin/jujusim
	Charm    string // the unpacked etcd charm (build/charm)
	Easyrsa  string // build/easyrsa.charm
	Client   string // build/etcd-client.charm
	EtcdBins string // etcdbins.Dir(): $ETCD_BINS or the Makefile default
	Self     string // a static build of etcdbench, the dispatch wrapper
	// Concurrency is jujusim's --concurrency: units running hooks at once.
	Concurrency int
	// ScaleOutOnly runs only the 3-unit turn-up and the scale-out (with
	// their baselines), for working on that path.
	ScaleOutOnly bool
	Log          io.Writer
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
	release, err := etcdbins.Newest(cfg.EtcdBins, "3.6", "etcd")
	if err != nil {
		return nil, fmt.Errorf("cannot find etcd 3.6: %w", err)
	}
	etcd := filepath.Join(release, "etcd")
	runs, reps := 20, 3
	sizes := []int{3, 5}
	if cfg.Short {
		runs, reps = 5, 1
		sizes = []int{3}
	}
	if cfg.ScaleOutOnly {
		sizes = []int{3}
	}

	// Bare baselines first, alone on the machine.
	bareTurnUp := map[int][]time.Duration{}
	var bareScale []time.Duration
	for rep := 0; rep < reps; rep++ {
		for i, n := range sizes {
			cfg.logf("bare etcd: static TLS bootstrap of %d members (%d/%d)", n, rep+1, reps)
			b, err := NewBare(etcd, mkdir(work, fmt.Sprintf("bare%d-%d", n, rep)), fmt.Sprintf("127.0.%d.", 250-i))
			if err != nil {
				return nil, err
			}
			d, err := turnUpBare(b, n)
			if err == nil {
				bareTurnUp[n] = append(bareTurnUp[n], d)
			} else {
				res.note("bare turn-up %d: %v", n, err)
			}
			if n == 3 && err == nil {
				// etcd refuses membership changes for 5 s after a member
				// starts (its health interval); the charm's cluster has
				// been up longer than that when it scales out.
				time.Sleep(6 * time.Second)
				cfg.logf("bare etcd: learner add, start, promote")
				if d, err := scaleOutBare(b); err == nil {
					bareScale = append(bareScale, d)
				} else {
					res.note("bare scale-out: %v", err)
				}
			}
			b.Stop()
		}
	}

	// The charm: turn-up of 3 units then scale-out to 4 on one model, reps
	// times; hook latency on the first.
	var turnUp3, scaleCert, scaleAdd []time.Duration
	var turnUp3Runs, scaleRuns []int
	for rep := 0; rep < reps; rep++ {
		cfg.logf("jujusim: deploy 3 units (%d/%d)", rep+1, reps)
		s, err := NewSim(cfg.Jujusim, work, 1+rep, cfg.Concurrency)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer s.Destroy()
			d, err := turnUpCharm(s, res, charm, cfg.Easyrsa, 3)
			if err != nil {
				return fmt.Errorf("turn-up: %w", err)
			}
			turnUp3, turnUp3Runs = append(turnUp3, d), append(turnUp3Runs, s.lastRuns)
			// As for the bare baseline: etcd refuses membership changes
			// until every voter has been connected for its health
			// interval (5 s), which a cluster that has just turned up
			// has not. Scale-out is measured on a cluster that is past
			// it, as the bare one is (and as a real model is).
			upAt := time.Now()
			if rep == 0 && !cfg.ScaleOutOnly {
				cfg.logf("jujusim: hook latency, %d runs each", runs)
				if err := hookLatency(s, res, cfg.Client, cfg.Self, runs); err != nil {
					res.fail("hook latency", err)
				}
			}
			if err := s.WaitActive(5 * time.Minute); err != nil {
				return fmt.Errorf("before scale-out: %w", err)
			}
			time.Sleep(time.Until(upAt.Add(6 * time.Second)))
			cfg.logf("jujusim: add one unit")
			fromCert, fromAdd, err := scaleOutCharm(s, res)
			if err != nil {
				return fmt.Errorf("scale-out: %w", err)
			}
			scaleCert, scaleAdd = append(scaleCert, fromCert), append(scaleAdd, fromAdd)
			scaleRuns = append(scaleRuns, s.lastRuns)
			return nil
		}()
		if err != nil {
			res.note("3-unit model %d: %v", rep+1, err)
		}
	}
	addCompareOps(res, "turn-up 3 units: last certificate → all active and healthy", turnUp3, bareTurnUp[3], "≤ 1.5x", turnUp3Runs)
	addCompareOps(res, "scale-out 3→4: certificate issued → voting member", scaleCert, bareScale, "≤ 1.0 s median, every run ≤ 1.5 s", scaleRuns)
	addCompare(res, "scale-out 3→4: add-unit → voting member", scaleAdd, bareScale, "-")
	if cfg.ScaleOutOnly {
		return res, nil
	}

	if !cfg.Short {
		var turnUp5 []time.Duration
		var turnUp5Runs []int
		for rep := 0; rep < reps; rep++ {
			cfg.logf("jujusim: deploy 5 units (%d/%d)", rep+1, reps)
			s5, err := NewSim(cfg.Jujusim, work, 10+rep, cfg.Concurrency)
			if err != nil {
				return nil, err
			}
			d, err := turnUpCharm(s5, res, charm, cfg.Easyrsa, 5)
			if err != nil {
				res.note("5-unit model %d: %v", rep+1, err)
			} else {
				turnUp5, turnUp5Runs = append(turnUp5, d), append(turnUp5Runs, s5.lastRuns)
			}
			if err := s5.Destroy(); err != nil {
				res.note("destroy: %v", err)
			}
		}
		addCompareOps(res, "turn-up 5 units: last certificate → all active and healthy", turnUp5, bareTurnUp[5], "≤ 1.5x", turnUp5Runs)
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

// hookLatency relates etcd-client on the db relation, then measures hooks.
func hookLatency(s *Sim, res *Results, client, self string, runs int) error {
	if _, err := s.Run("deploy", client, "etcd-client"); err != nil {
		return err
	}
	if _, err := s.Run("integrate", "etcd:db", "etcd-client:etcd"); err != nil {
		return err
	}
	if err := s.WaitActive(5 * time.Minute); err != nil {
		return err
	}
	return measureHooks(s, res, "etcd/0", self, runs)
}

// addCompare adds a row comparing the medians of charm and bare runs.
func addCompare(res *Results, figure string, charm, bare []time.Duration, goal string) {
	addCompareOps(res, figure, charm, bare, goal, nil)
}

// addCompareOps is addCompare with the etcd charm's hook executions in
// each charm run (runs: the clock's window of each).
func addCompareOps(res *Results, figure string, charm, bare []time.Duration, goal string, runs []int) {
	if len(charm) == 0 || len(bare) == 0 {
		res.fail(figure, fmt.Errorf("%d charm runs, %d bare runs succeeded", len(charm), len(bare)))
		return
	}
	c, b := quantile(charm, 0.5), quantile(bare, 0.5)
	res.add(Row{Figure: figure, Value: spread(charm), Baseline: spread(bare), Ratio: ratio(float64(c), float64(b)), Ops: hookRuns(runs), Goal: goal})
}

// hookRuns is the etcd charm's hook executions per run: one count, or
// the median of several with their range.
func hookRuns(runs []int) string {
	if len(runs) == 0 {
		return "-"
	}
	s := slices.Sorted(slices.Values(runs))
	if len(s) == 1 {
		return fmt.Sprintf("%d hook runs", s[0])
	}
	return fmt.Sprintf("%d hook runs (median, %d–%d)", s[(len(s)-1)/2], s[0], s[len(s)-1])
}

// spread is one run's figure, or the median of several with their range.
func spread(ds []time.Duration) string {
	if len(ds) == 1 {
		return secs(ds[0])
	}
	return fmt.Sprintf("%s (median of %d, %.2f–%.2f)", secs(quantile(ds, 0.5)), len(ds), quantile(ds, 0).Seconds(), quantile(ds, 1).Seconds())
}

func mkdir(parent, name string) string {
	p := filepath.Join(parent, name)
	_ = os.MkdirAll(p, 0o755)
	return p
}
