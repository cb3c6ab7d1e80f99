package snaparchive

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	gzip "github.com/klauspost/compress/gzip"
)

// Extract unpacks the db of a snapshot archive into dst (which
// must not exist). It reads the whole archive, so a truncated or corrupt
// one is refused even when db itself came through, and refuses a v2
// backup (which holds member/wal instead of db).
//
// etcd's snapshots end in a sha256 of the database (the database is whole
// 512-byte units and the hash follows); for those, Extract starts
// checking the hash of the unpacked file in a goroutine and returns
// check, which waits for the verdict. Meanwhile the caller may work on a
// copy of the db it can throw away (restore runs etcd's restore into a
// scratch directory), but it must not act on the db before check returns
// nil. check is nil for a db without the hash: layer-etcd's snapshots
// were raw copies of member/snap/db, bare bolt files of whole pages,
// which the caller must check otherwise.
func Extract(archive, dst string) (check func() error, err error) {
	size, err := extractDB(archive, dst)
	if err != nil {
		return nil, err
	}
	switch {
	case size == 0:
		return nil, NotSnapshot("the snapshot's db is empty")
	case size%512 == 0:
		return nil, nil
	case size%512 != sha256.Size:
		return nil, NotSnapshot("the snapshot's db (%d bytes) is neither a bolt database nor one with etcd's integrity hash: it is truncated or not an etcd snapshot", size)
	}
	verdict := make(chan error, 1)
	go func() { verdict <- checkFileHash(dst) }()
	return func() error { return <-verdict }, nil
}

func extractDB(archive, dst string) (int64, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, fmt.Errorf("cannot open the snapshot: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, ioBufSize))
	if err != nil {
		return 0, NotSnapshot("the snapshot is not a gzip archive (%v)", err)
	}
	// Inflate in a goroutine while this one hashes and writes.
	ahead := newReadAhead(gz, ioBufSize, 4)
	defer ahead.Close()
	tr := tar.NewReader(ahead)
	found, v2 := false, false
	var size int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, NotSnapshot("the snapshot archive is damaged or truncated (%v)", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if strings.HasPrefix(name, "member/wal") || strings.Contains(name, "/member/wal") {
			v2 = true
		}
		if name != Entry || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if found {
			return 0, NotSnapshot("the snapshot archive holds db twice")
		}
		found, size = true, hdr.Size
		if err := copyOut(tr, dst, hdr.Size); err != nil {
			return 0, err
		}
	}
	if _, err := io.Copy(io.Discard, ahead); err != nil {
		return 0, NotSnapshot("the snapshot archive is damaged or truncated (%v)", err)
	}
	switch {
	case !found && v2:
		return 0, NotSnapshot("the archive is a v2 backup (keys-version=v2), which restore cannot use: take a v3 snapshot")
	case !found:
		return 0, NotSnapshot("the archive holds no db file: it is not an etcd snapshot")
	}
	return size, nil
}

func copyOut(r io.Reader, dst string, size int64) error {
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cannot unpack the snapshot: %w", err)
	}
	n, err := copyChunks(out, r)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		out.Close()
		var ns *NotSnapshotError
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ns) {
			return NotSnapshot("the snapshot archive is damaged or truncated (%v)", err)
		}
		return fmt.Errorf("cannot unpack the snapshot: %w", err)
	}
	// No fsync: the file is scratch, read at once by etcd's restore,
	// whose output is what must be durable.
	return out.Close()
}
