package integration

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcd-charm/etcd-charm/tests/linearizability"
)

// recordedOp is operation i of load client c on key, recorded in h for the
// linearizability checker: for even i a put of a value no other operation
// writes, for odd i a (linearizable) get. It reports whether it was an
// acknowledged put.
func recordedOp(ctx context.Context, cl *clientv3.Client, h *linearizability.History, c, i int, key string) (acked bool) {
	if i%2 == 0 {
		val := fmt.Sprintf("c%d-%d", c, i)
		done := h.Begin(c, linearizability.Op{Put: true, Key: key, Value: val})
		_, err := cl.Put(ctx, key, val)
		done(linearizability.Result{}, err)
		return err == nil
	}
	done := h.Begin(c, linearizability.Op{Key: key})
	resp, err := cl.Get(ctx, key)
	var res linearizability.Result
	if err == nil && len(resp.Kvs) > 0 {
		res.Value = string(resp.Kvs[0].Value)
	}
	done(res, err)
	return false
}

// loadClients starts clients goroutines, counted in wg, that each run
// op(ctx, c, i) for i = 0, 1, ... with a 2 s timeout per operation and pause
// between operations, until quit is closed.
func loadClients(wg *sync.WaitGroup, quit <-chan struct{}, clients int, pause time.Duration, op func(ctx context.Context, c, i int)) {
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				op(ctx, c, i)
				cancel()
				time.Sleep(pause)
			}
		}()
	}
}
