package etcdtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// A snapshot from the fake is what etcd sends (etcd's
// server/etcdserver/api/v3rpc/maintenance.go): bbolt's Tx.WriteTo of a
// backend laid out as etcd's (server/storage/schema), then the sha256 of
// those bytes. The backend is built for each snapshot from the writes the
// member has applied (Put, PutKey):
//
//	key      revision (8-byte big-endian main, '_', 8-byte sub) -> mvccpb.KeyValue
//	meta     consistent_index, term (8-byte big-endian); storageVersion on 3.6
//	cluster  clusterVersion
//	members  member id (hex) -> {"id","peerURLs"}
//
// so the snapshot action's size, hash and restore paths run on it as on
// real etcd's, and ReadSnapshot reads real and fake snapshots alike.

// write is one applied put: its key, value and revision.
type write struct {
	rev        int64
	key, value string
}

// snapshotFault is an injected snapshot failure (FailSnapshot).
type snapshotFault struct {
	after int // bytes sent before err; < 0: the stream does not open
	err   error
}

// SnapshotStream implements etcd.Maintenance: a real snapshot of the
// member at endpoint, holding the writes up to its revision. The version
// is as clientv3's SnapshotWithVersion reports it: "" from 3.4 and 3.5,
// the storage version ("3.6.0") from 3.6.
func (f *Fake) SnapshotStream(ctx context.Context, endpoint string) (io.ReadCloser, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("SnapshotStream %s", endpoint)
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	m, err := f.endpoint(endpoint)
	if err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: %w", err)
	}
	fault := f.snapFault
	f.snapFault = nil
	if fault != nil && fault.after < 0 {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot from %s: %w", endpoint, fault.err)
	}
	version := f.storageVersion()
	db, err := f.backend(m, version)
	if err != nil {
		return nil, "", fmt.Errorf("cannot stream etcd snapshot: %w", err)
	}
	sum := sha256.Sum256(db)
	data := append(db, sum[:]...)
	var r io.Reader = bytes.NewReader(data)
	if fault != nil {
		r = io.MultiReader(bytes.NewReader(data[:min(fault.after, len(data))]), errReader{fault.err})
	}
	return io.NopCloser(r), version, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// storageVersion is the version a snapshot stream reports; f.mu is held.
func (f *Fake) storageVersion() string {
	if strings.HasPrefix(f.version, "3.4.") || strings.HasPrefix(f.version, "3.5.") {
		return ""
	}
	// 3.6 reports its storage version, major.minor.0.
	if i := strings.LastIndex(f.version, "."); i > 0 {
		return f.version[:i] + ".0"
	}
	return f.version
}

// backend builds m's bolt database in a scratch file and returns what
// Tx.WriteTo sends of it; f.mu is held.
func (f *Fake) backend(m *member, storageVersion string) ([]byte, error) {
	tmp, err := os.CreateTemp("", "etcdtest-backend-*.db")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	db, err := bolt.Open(tmp.Name(), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]*bolt.Bucket{}
		for _, name := range []string{"key", "meta", "cluster", "members"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			buckets[name] = b
		}
		created, versions := map[string]int64{}, map[string]int64{}
		for _, w := range f.writes {
			if w.rev > m.revision {
				break
			}
			if _, ok := created[w.key]; !ok {
				created[w.key] = w.rev
			}
			versions[w.key]++
			kv := mvccpb.KeyValue{Key: []byte(w.key), Value: []byte(w.value), CreateRevision: created[w.key], ModRevision: w.rev, Version: versions[w.key]}
			value, err := kv.Marshal()
			if err != nil {
				return err
			}
			if err := buckets["key"].Put(revisionKey(w.rev), value); err != nil {
				return err
			}
		}
		meta := map[string][]byte{"consistent_index": uint64Bytes(m.raftIndex), "term": uint64Bytes(2)}
		if storageVersion != "" {
			meta["storageVersion"] = []byte(storageVersion)
		}
		for k, v := range meta {
			if err := buckets["meta"].Put([]byte(k), v); err != nil {
				return err
			}
		}
		if err := buckets["cluster"].Put([]byte("clusterVersion"), []byte(clusterVersion(f.version))); err != nil {
			return err
		}
		for _, mm := range f.members {
			attrs, err := json.Marshal(struct {
				ID       uint64   `json:"id"`
				PeerURLs []string `json:"peerURLs"`
			}{mm.ID, mm.PeerURLs})
			if err != nil {
				return err
			}
			if err := buckets["members"].Put([]byte(strconv.FormatUint(mm.ID, 16)), attrs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	err = db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(&out)
		return err
	})
	return out.Bytes(), err
}

// revisionKey is etcd's key bucket key: main revision, '_', sub revision.
func revisionKey(rev int64) []byte {
	k := make([]byte, 17)
	binary.BigEndian.PutUint64(k, uint64(rev))
	k[8] = '_'
	return k
}

func uint64Bytes(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

// clusterVersion is major.minor.0 of a server version.
func clusterVersion(v string) string {
	if i := strings.LastIndex(v, "."); i > 0 {
		return v[:i] + ".0"
	}
	return v
}

// Snapshot is what a snapshot holds, as ReadSnapshot decodes it.
type Snapshot struct {
	// Revision is the highest revision in the key bucket (etcdutl
	// snapshot status's revision).
	Revision int64
	// Keys holds each live key's latest value.
	Keys map[string]string
}

// ReadSnapshot decodes an etcd snapshot, real or the fake's: the bolt
// database, with or without etcd's sha256 after it (checked when there).
func ReadSnapshot(data []byte) (Snapshot, error) {
	if len(data)%512 == sha256.Size {
		db := data[:len(data)-sha256.Size]
		if sum := sha256.Sum256(db); !bytes.Equal(sum[:], data[len(db):]) {
			return Snapshot{}, fmt.Errorf("cannot read snapshot: its sha256 does not match")
		}
		data = db
	}
	tmp, err := os.CreateTemp("", "etcdtest-snapshot-*.db")
	if err != nil {
		return Snapshot{}, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Snapshot{}, err
	}
	db, err := bolt.Open(tmp.Name(), 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		return Snapshot{}, fmt.Errorf("cannot read snapshot: %w", err)
	}
	defer db.Close()
	snap := Snapshot{Keys: map[string]string{}}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() != int64(len(data)) {
			return fmt.Errorf("its meta page claims %d bytes, it has %d", tx.Size(), len(data))
		}
		keys := tx.Bucket([]byte("key"))
		if keys == nil {
			return fmt.Errorf("it has no key bucket")
		}
		return keys.ForEach(func(k, v []byte) error {
			if len(k) < 17 {
				return fmt.Errorf("key bucket key of %d bytes", len(k))
			}
			snap.Revision = max(snap.Revision, int64(binary.BigEndian.Uint64(k)))
			var kv mvccpb.KeyValue
			if err := kv.Unmarshal(v); err != nil {
				return err
			}
			if len(k) == 18 && k[17] == 't' { // a tombstone: deleted
				delete(snap.Keys, string(kv.Key))
				return nil
			}
			snap.Keys[string(kv.Key)] = string(kv.Value)
			return nil
		})
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("cannot read snapshot: %w", err)
	}
	return snap, nil
}
