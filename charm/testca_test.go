package charm

import (
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// The certificate checks' clock, and the CA whose leaves are valid around it.
var base = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

type leaf = testkit.Leaf

func newTestCA(t testing.TB, name string) testkit.CA { return testkit.NewCAAt(t, name, base) }
