package snaparchive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	gzip "github.com/klauspost/compress/gzip"
)

// A snapshot archive is packed while etcd streams the snapshot, so
// packing costs little on top of the transfer (see the actions package's
// BenchmarkSnapshotRestore). tar needs the entry's size before its data;
// the archive is therefore two gzip members, which every gzip reader
// (Go's, GNU gzip, Python's) reads as one stream:
//
//	[member 1: the 512-byte tar header of db, stored uncompressed]
//	[member 2: db's bytes, tar padding and end-of-archive, compressed]
//
// Member 1 has the same length whatever the size in it. The size is
// known from the stream's first page (boltSize), so member 1 is normally
// written first and the archive is hashed as it is written, in one pass.
// Should the stream end at another size, member 1 is rewritten in place
// and the finished file hashed again.

// Pack packs the snapshot src streams (the db, then etcd's sha256 of
// it) into the archive at dst, written as dst.part, synced once and
// renamed when complete: no reader ever sees half an archive and a
// failure leaves nothing behind. It checks etcd's integrity hash on the
// way and refuses a stream without one. It reads src to its end and
// closes it before committing the archive; an error from either is the
// transfer's (a broken stream), and fails the pack.
func Pack(src io.ReadCloser, dst string, now time.Time) (Written, error) {
	closed := false
	closeSrc := func() error {
		if closed {
			return nil
		}
		closed = true
		return src.Close()
	}
	defer closeSrc()
	out, err := os.OpenFile(dst+".part", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return Written{}, err
	}
	committed := false
	defer func() {
		if !committed {
			out.Close()
			os.Remove(dst + ".part")
		}
	}()

	// The first page tells the size (boltSize).
	head, readErr := readHead(src, 4096)
	dbSize, sized := boltSize(head)
	want := dbSize + sha256.Size

	// The archive's hash and the snapshot's integrity hash are computed
	// in goroutines of their own, beside compressing.
	h := sha256.New()
	archiveHash := newWriteBehind(h, ioBufSize, 4)
	defer archiveHash.Close()
	var count countWriter
	bw := bufio.NewWriterSize(io.MultiWriter(out, archiveHash, &count), ioBufSize)
	header, err := tarHeaderMember(want, now)
	if err != nil {
		return Written{}, err
	}
	if !sized {
		clear(header) // a place holder, rewritten at the end
	}
	if _, err := bw.Write(header); err != nil {
		return Written{}, err
	}
	gz, err := gzip.NewWriterLevel(bw, Level)
	if err != nil {
		return Written{}, err
	}
	check := &trailerHash{h: sha256.New()}
	checking := newWriteBehind(check, ioBufSize, 4)
	defer checking.Close()
	data := io.MultiWriter(gz, checking)
	n := int64(len(head))
	if _, err := data.Write(head); err != nil {
		return Written{}, err
	}
	if readErr == nil {
		var m int64
		m, readErr = copyChunks(data, src)
		n += m
	} else if readErr == io.EOF {
		readErr = nil
	}
	if err := closeSrc(); err != nil && readErr == nil {
		readErr = err
	}
	if readErr != nil {
		return Written{}, fmt.Errorf("cannot read the snapshot as it is streamed: %w", readErr)
	}
	checking.Close()
	switch {
	case n%512 != sha256.Size:
		// etcd's snapshot is whole bolt pages and the 32-byte hash.
		return Written{}, fmt.Errorf("the snapshot (%d bytes) lacks etcd's integrity hash: the transfer was cut short", n)
	case !check.ok():
		return Written{}, errors.New("the snapshot's integrity hash does not match its data")
	}
	// tar padding to a 512-byte block, then the two zero blocks ending
	// the archive.
	pad := (512 - n%512) % 512
	if _, err := gz.Write(make([]byte, pad+1024)); err != nil {
		return Written{}, err
	}
	if err := gz.Close(); err != nil {
		return Written{}, err
	}
	if err := bw.Flush(); err != nil {
		return Written{}, err
	}
	archiveHash.Close()
	if !sized || n != want {
		// Rewrite member 1 with the size read, then hash the file anew.
		fixed, err := tarHeaderMember(n, now)
		if err != nil {
			return Written{}, err
		}
		if len(fixed) != len(header) {
			return Written{}, fmt.Errorf("cannot pack the snapshot: tar header member is %d bytes, reserved %d", len(fixed), len(header))
		}
		if _, err := out.WriteAt(fixed, 0); err != nil {
			return Written{}, err
		}
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			return Written{}, err
		}
		h.Reset()
		if count.n, err = io.CopyBuffer(h, out, make([]byte, ioBufSize)); err != nil {
			return Written{}, err
		}
	}
	if err := out.Sync(); err != nil {
		return Written{}, err
	}
	if err := out.Close(); err != nil {
		return Written{}, err
	}
	if err := os.Rename(dst+".part", dst); err != nil {
		return Written{}, err
	}
	committed = true
	return Written{Size: count.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// readHead reads up to n bytes from r; err is r's error, io.EOF when r
// ended within them.
func readHead(r io.Reader, n int) ([]byte, error) {
	head := make([]byte, n)
	got := 0
	for got < n {
		m, err := r.Read(head[got:])
		got += m
		if err != nil {
			return head[:got], err
		}
	}
	return head, nil
}

// tarHeaderMember is a gzip member holding, uncompressed, the tar header
// of the db entry of size bytes. GNU format keeps it one 512-byte block
// for any size, so the member's length never changes.
func tarHeaderMember(size int64, now time.Time) ([]byte, error) {
	var block bytes.Buffer
	tw := tar.NewWriter(&block)
	hdr := &tar.Header{Name: Entry, Mode: 0o600, Size: size, ModTime: now.Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatGNU}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("cannot pack the snapshot: %w", err)
	}
	if block.Len() != 512 {
		return nil, fmt.Errorf("cannot pack the snapshot: tar header of %d bytes", block.Len())
	}
	var member bytes.Buffer
	gz, err := gzip.NewWriterLevel(&member, gzip.NoCompression)
	if err != nil {
		return nil, err
	}
	if _, err := gz.Write(block.Bytes()); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return member.Bytes(), nil
}
