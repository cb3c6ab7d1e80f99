// Package testkit holds the helpers tests across the repository share: a
// throwaway CA, free loopback ports, polling until a condition holds, the
// real etcd releases from $ETCD_BINS, a goroutine-safe buffer for process
// output, and the repository root. It imports "testing" and is for tests
// (and test-support packages such as sim/charms/internal/etcdtest) only;
// code that is not a test uses testkit/testca (the CA) and internal/etcdbins
// (the releases), which return errors instead.
package testkit
