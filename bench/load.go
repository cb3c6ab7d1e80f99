package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Load puts keys under a prefix at a steady pace until Finish, recording
// each acknowledged key and each write's latency with when it was sent:
// client load during a rolling change, for the benchmark's figures and the
// integration test's "no acknowledged write is lost".
type Load struct {
	cl      *clientv3.Client
	prefix  string
	mu      sync.Mutex
	acked   []string
	errs    []time.Time
	sent    []time.Time
	latency []time.Duration
	stop    chan struct{}
	done    chan struct{}
}

// StartLoad starts writing prefix/<n> through cl every interval.
func StartLoad(cl *clientv3.Client, prefix string, every time.Duration) *Load {
	w := &Load{cl: cl, prefix: prefix, stop: make(chan struct{}), done: make(chan struct{})}
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

// Finish stops the writes and waits for the last one.
func (w *Load) Finish() {
	close(w.stop)
	<-w.done
}

// Acked returns the keys etcd acknowledged; call it after Finish.
func (w *Load) Acked() []string { return w.acked }

// Errors returns when each failed write was sent; call it after Finish.
func (w *Load) Errors() []time.Time { return w.errs }

// Between returns the latencies of acknowledged writes sent in [from, to).
func (w *Load) Between(from, to time.Time) []time.Duration {
	var out []time.Duration
	for i, t := range w.sent {
		if !t.Before(from) && t.Before(to) {
			out = append(out, w.latency[i])
		}
	}
	return out
}

// Lost counts the acknowledged writes etcd no longer has.
func (w *Load) Lost(ctx context.Context) (int, error) {
	resp, err := w.cl.Get(ctx, w.prefix+"/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("cannot read back the writes: %w", err)
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
	return lost, nil
}
