// Package linearizability records what clients did to a key-value store
// under test (writes and linearizable reads, each with when it was called
// and when it returned) and checks the history with porcupine: that some
// order of the operations, each taking effect at one instant between its
// call and its return, explains every result a client saw.
//
// An operation that errored or timed out may or may not have happened:
// a write that failed is kept with an infinite return time (porcupine then
// lets it take effect at any point after its call, or never be observed),
// and a read that failed is dropped (it changed nothing and saw nothing).
package linearizability

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Op is one client operation on one key.
type Op struct {
	Put   bool   // a write of Value; else a read
	Key   string //
	Value string // the value written
}

// Result is what the client saw: a read's value ("" for a missing key).
type Result struct {
	Value string
}

// History is a concurrent record of operations. The zero value is not
// usable: call New.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
	// acked are the writes the store acknowledged, by key, in return order.
	acked map[string][]record
	// maybe are the writes that errored, by key.
	maybe map[string][]record
}

type record struct {
	value        string
	call, retTim int64
}

// New starts an empty history.
func New() *History {
	return &History{start: time.Now(), acked: map[string][]record{}, maybe: map[string][]record{}}
}

func (h *History) now() int64 { return int64(time.Since(h.start)) }

// Begin notes that client calls op now; the returned function notes its
// return (err != nil: it errored or timed out, so it may have happened).
// Each client must run one operation at a time.
func (h *History) Begin(client int, op Op) func(res Result, err error) {
	call := h.now()
	return func(res Result, err error) {
		ret := h.now()
		h.mu.Lock()
		defer h.mu.Unlock()
		switch {
		case err != nil && !op.Put:
			return // a failed read changed nothing and saw nothing
		case err != nil:
			h.maybe[op.Key] = append(h.maybe[op.Key], record{op.Value, call, math.MaxInt64})
			ret = math.MaxInt64
		case op.Put:
			h.acked[op.Key] = append(h.acked[op.Key], record{op.Value, call, ret})
		}
		h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: res, Return: ret})
	}
}

// Len is the number of operations recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}

// Counts are the operations recorded by kind.
type Counts struct {
	Writes, MaybeWrites, Reads int
}

// Counts counts the history's operations.
func (h *History) Counts() Counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	var c Counts
	for _, o := range h.ops {
		switch {
		case !o.Input.(Op).Put:
			c.Reads++
		case o.Return == math.MaxInt64:
			c.MaybeWrites++
		default:
			c.Writes++
		}
	}
	return c
}

// Check reports whether the history is linearizable, giving up after
// timeout (porcupine's search is exponential in the worst case; an
// unfinished check is an error, not a pass).
func (h *History) Check(timeout time.Duration) error {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	switch porcupine.CheckOperationsTimeout(KVModel, ops, timeout) {
	case porcupine.Ok:
		return nil
	case porcupine.Illegal:
		return fmt.Errorf("history of %d operations is not linearizable", len(ops))
	default:
		return fmt.Errorf("linearizability check of %d operations did not finish within %v", len(ops), timeout)
	}
}

// LostWrites compares each key's final value (read after the load
// stopped) with the writes: the last acknowledged write to a key must be
// what it holds, unless a write not acknowledged before that one was
// called (concurrent, later, or one that errored and may have happened)
// put the value there. It returns one line per key that lost a write.
func (h *History) LostWrites(final map[string]string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for key, acked := range h.acked {
		last := acked[0]
		for _, r := range acked {
			if r.retTim > last.retTim {
				last = r
			}
		}
		got, ok := final[key]
		if ok && got == last.value {
			continue
		}
		explained := false
		for _, set := range [][]record{acked, h.maybe[key]} {
			for _, r := range set {
				if ok && r.value == got && r.retTim > last.call {
					explained = true
				}
			}
		}
		if !explained {
			out = append(out, fmt.Sprintf("%s: holds %q (present %v), last acknowledged write %q", key, got, ok, last.value))
		}
	}
	sort.Strings(out)
	return out
}

// KVModel is a register per key: a read returns the last value written
// ("" before any write).
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, o := range history {
			k := o.Input.(Op).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], o)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, len(keys))
		for i, k := range keys {
			out[i] = byKey[k]
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		op := input.(Op)
		if op.Put {
			return true, op.Value
		}
		return output.(Result).Value == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		op := input.(Op)
		if op.Put {
			return fmt.Sprintf("put(%s, %s)", op.Key, op.Value)
		}
		return fmt.Sprintf("get(%s) -> %s", op.Key, output.(Result).Value)
	},
}
