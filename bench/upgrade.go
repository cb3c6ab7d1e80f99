package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// loadWriter puts keys at a steady pace, recording each acknowledged key
// and each write's latency with when it was sent.
type loadWriter struct {
	mu      sync.Mutex
	acked   []string
	errs    []time.Time
	sent    []time.Time
	latency []time.Duration
	stop    chan struct{}
	done    chan struct{}
}

func startLoad(cl *clientv3.Client, prefix string, every time.Duration) *loadWriter {
	w := &loadWriter{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; i < 200000; i++ { // bounded; stopped long before
			select {
			case <-w.stop:
				return
			default:
			}
			key := fmt.Sprintf("%s/%07d", prefix, i)
			t := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err := cl.Put(ctx, key, "v")
			cancel()
			d := time.Since(t)
			w.mu.Lock()
			if err == nil {
				w.acked = append(w.acked, key)
				w.sent = append(w.sent, t)
				w.latency = append(w.latency, d)
			} else {
				w.errs = append(w.errs, t)
			}
			w.mu.Unlock()
			time.Sleep(every)
		}
	}()
	return w
}

func (w *loadWriter) finish() {
	close(w.stop)
	<-w.done
}

// between returns the latencies of acknowledged writes sent in [from, to).
func (w *loadWriter) between(from, to time.Time) []time.Duration {
	var out []time.Duration
	for i, t := range w.sent {
		if !t.Before(from) && t.Before(to) {
			out = append(out, w.latency[i])
		}
	}
	return out
}

// versions maps each endpoint to the etcd version it runs.
func versions(cl *clientv3.Client) (map[string]string, error) {
	out := map[string]string{}
	for _, ep := range cl.Endpoints() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := cl.Status(ctx, ep)
		cancel()
		if err != nil {
			return nil, err
		}
		out[ep] = st.Version
	}
	return out, nil
}

// rollingUpgrade deploys 3 units on 3.5, writes steadily, switches the
// channel to 3.6 and reports the total time (config change until every
// unit runs 3.6 and is active again), the client-visible errors, the p99
// write latency before and during, and acknowledged writes lost.
func rollingUpgrade(s *Sim, res *Results, charm, easyrsa string, before time.Duration) error {
	if err := s.DeployEtcd(charm, easyrsa, 3, "channel=3.5/stable"); err != nil {
		return err
	}
	if err := s.WaitActive(5 * time.Minute); err != nil {
		return err
	}
	cl, err := s.Client("etcd/0")
	if err != nil {
		return err
	}
	defer cl.Close()
	vs, err := versions(cl)
	if err != nil {
		return err
	}
	for ep, v := range vs {
		if !strings.HasPrefix(v, "3.5.") {
			return fmt.Errorf("%s runs etcd %s before the upgrade, want 3.5", ep, v)
		}
	}
	w := startLoad(cl, "bench-upgrade", 20*time.Millisecond)
	loadStart := time.Now()
	time.Sleep(before)
	start := time.Now()
	if _, err := s.Run("config", "etcd", "channel=3.6/stable"); err != nil {
		w.finish()
		return err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		vs, err := versions(cl)
		done := err == nil
		for _, v := range vs {
			done = done && strings.HasPrefix(v, "3.6.")
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			w.finish()
			return fmt.Errorf("not every unit on 3.6 after 5m: %v", vs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := s.WaitActive(3 * time.Minute); err != nil {
		w.finish()
		return err
	}
	end := time.Now()
	w.finish()
	total := end.Sub(start)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	resp, err := cl.Get(ctx, "bench-upgrade/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	cancel()
	if err != nil {
		return fmt.Errorf("cannot read back the writes: %w", err)
	}
	have := map[string]bool{}
	for _, kv := range resp.Kvs {
		have[string(kv.Key)] = true
	}
	lost := 0
	for _, k := range w.acked {
		if !have[k] {
			lost++
		}
	}
	errsDuring := 0
	for _, t := range w.errs {
		if !t.Before(start) {
			errsDuring++
		}
	}
	p99Before := quantile(w.between(loadStart, start), 0.99)
	p99During := quantile(w.between(start, end), 0.99)
	res.add(Row{Figure: "rolling upgrade 3.5→3.6, 3 units: total time", Value: secs(total), Baseline: "-", Ratio: "-", Goal: "-"})
	res.add(Row{Figure: "rolling upgrade: p99 write latency during vs before", Value: msec(p99During), Baseline: msec(p99Before),
		Ratio: ratio(float64(p99During), float64(p99Before)), Goal: "-"})
	res.add(Row{Figure: "rolling upgrade: client-visible errors / acknowledged writes lost",
		Value:    fmt.Sprintf("%d errors / %d lost of %d acked", errsDuring, lost, len(w.acked)),
		Baseline: "-", Ratio: "-", Goal: "0 lost"})
	return nil
}
