package integration

import (
	"context"
	"errors"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// checkHashKV compares etcd's HashKV of every member at one revision (the
// current one of the first endpoint): equal hashes mean the members hold the
// same keyspace, which reading back the last value would not show. A member
// still applying up to that revision is asked again for a while.
func checkHashKV(t *testing.T, cl *clientv3.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ms, err := cl.MemberList(ctx)
	if err != nil {
		t.Fatalf("member list: %v", err)
	}
	st, err := cl.Status(ctx, cl.Endpoints()[0])
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	rev := st.Header.Revision
	hashes := map[string]uint32{}
	for _, mb := range ms.Members {
		if len(mb.ClientURLs) == 0 {
			t.Errorf("member %s has no client URL", mb.Name)
			continue
		}
		var hr *clientv3.HashKVResponse
		for try := 0; ; try++ {
			hr, err = cl.HashKV(ctx, mb.ClientURLs[0], rev)
			if err == nil || try > 20 || errors.Is(err, context.DeadlineExceeded) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("HashKV of %s at revision %d: %v", mb.Name, rev, err)
			continue
		}
		hashes[mb.Name] = hr.Hash
	}
	for _, h := range hashes {
		for _, other := range hashes {
			if h != other {
				t.Fatalf("HashKV differs between members at revision %d: %v", rev, hashes)
			}
		}
	}
	t.Logf("HashKV at revision %d: %v", rev, hashes)
}
