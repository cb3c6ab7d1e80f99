package linearizability

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// op builds a history entry by hand: call and return times are given.
func op(client int, o Op, out string, call, ret int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: o, Output: Result{Value: out}, Call: call, Return: ret}
}

func put(k, v string) Op { return Op{Put: true, Key: k, Value: v} }
func get(k string) Op    { return Op{Key: k} }

func TestKVModel(t *testing.T) {
	cases := []struct {
		name string
		ops  []porcupine.Operation
		want bool
	}{
		{"a read after a write sees it", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(1, get("a"), "1", 20, 30)}, true},
		{"a stale read after an acknowledged write", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(0, put("a", "2"), "", 11, 20), op(1, get("a"), "1", 30, 40)}, false},
		{"a read concurrent with a write may see either", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(0, put("a", "2"), "", 11, 40), op(1, get("a"), "1", 20, 30)}, true},
		{"a write that errored may show up later", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(0, put("a", "2"), "", 11, math.MaxInt64), op(1, get("a"), "2", 100, 110)}, true},
		{"or never", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(0, put("a", "2"), "", 11, math.MaxInt64), op(1, get("a"), "1", 100, 110)}, true},
		{"but not flip back once seen", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(0, put("a", "2"), "", 11, math.MaxInt64),
			op(1, get("a"), "2", 100, 110), op(1, get("a"), "1", 120, 130)}, false},
		{"keys are independent", []porcupine.Operation{
			op(0, put("a", "1"), "", 0, 10), op(1, get("b"), "", 20, 30)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(KVModel, c.ops); got != c.want {
				t.Errorf("linearizable = %v, want %v", got, c.want)
			}
		})
	}
}

// TestHistoryRecordsAndChecks: Begin/end records operations with their
// times, failed reads are dropped, failed writes kept as maybe, and the
// lost-write check tells a final value explained by the writes from one
// that is not.
func TestHistoryRecordsAndChecks(t *testing.T) {
	h := New()
	h.Begin(0, put("k", "1"))(Result{}, nil)
	h.Begin(0, put("k", "2"))(Result{}, errors.New("context deadline exceeded"))
	h.Begin(1, get("k"))(Result{}, errors.New("no leader"))
	h.Begin(1, get("k"))(Result{Value: "2"}, nil)
	if c := h.Counts(); c != (Counts{Writes: 1, MaybeWrites: 1, Reads: 1}) {
		t.Errorf("counts %+v", c)
	}
	if err := h.Check(10 * time.Second); err != nil {
		t.Error(err)
	}
	if lost := h.LostWrites(map[string]string{"k": "2"}); len(lost) != 0 {
		t.Errorf("a value from a maybe-write counted lost: %v", lost)
	}
	if lost := h.LostWrites(map[string]string{"k": "0"}); len(lost) != 1 {
		t.Errorf("a value nobody wrote not counted lost: %v", lost)
	}
	if lost := h.LostWrites(map[string]string{}); len(lost) != 1 {
		t.Errorf("a missing key not counted lost: %v", lost)
	}
	h.Begin(1, get("k"))(Result{Value: "1"}, nil)
	if err := h.Check(10 * time.Second); err == nil {
		t.Error("reading 1 after 2 was seen passed the check")
	}
}
