package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

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
	w := StartLoad(cl, "bench-upgrade", 20*time.Millisecond)
	loadStart := time.Now()
	time.Sleep(before)
	start := time.Now()
	if _, err := s.Run("config", "etcd", "channel=3.6/stable"); err != nil {
		w.Finish()
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
			w.Finish()
			return fmt.Errorf("not every unit on 3.6 after 5m: %v", vs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := s.WaitActive(3 * time.Minute); err != nil {
		w.Finish()
		return err
	}
	end := time.Now()
	w.Finish()
	total := end.Sub(start)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	lost, err := w.Lost(ctx)
	cancel()
	if err != nil {
		return err
	}
	errsDuring := 0
	for _, t := range w.Errors() {
		if !t.Before(start) {
			errsDuring++
		}
	}
	p99Before := quantile(w.Between(loadStart, start), 0.99)
	p99During := quantile(w.Between(start, end), 0.99)
	res.add(Row{Figure: "rolling upgrade 3.5→3.6, 3 units: total time", Value: secs(total), Baseline: "-", Ratio: "-", Goal: "-"})
	res.add(Row{Figure: "rolling upgrade: p99 write latency during vs before", Value: msec(p99During), Baseline: msec(p99Before),
		Ratio: ratio(float64(p99During), float64(p99Before)), Goal: "-"})
	res.add(Row{Figure: "rolling upgrade: client-visible errors / acknowledged writes lost",
		Value:    fmt.Sprintf("%d errors / %d lost of %d acked", errsDuring, lost, len(w.Acked())),
		Baseline: "-", Ratio: "-", Goal: "0 lost"})
	return nil
}
