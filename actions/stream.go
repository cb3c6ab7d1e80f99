package actions

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"

	gzip "github.com/klauspost/compress/gzip"
)

// A snapshot archive is packed while etcd streams the snapshot, so
// packing costs almost nothing on top of the transfer (see
// BenchmarkSnapshotRestore). tar needs the entry's size before its data,
// which is known only at the end; the archive is therefore two gzip
// members, which every gzip reader (Go's, GNU gzip, Python's) reads as
// one stream:
//
//	[member 1: the 512-byte tar header of db, stored uncompressed]
//	[member 2: db's bytes, tar padding and end-of-archive, compressed]
//
// Member 1 has the same length whatever the size in it, so its place is
// reserved first and it is written last.

// snapshotSaver writes a snapshot to path, possibly through path.part
// renamed at the end (the client's snapshot API does).
type snapshotSaver func(path string) (version string, err error)

// packStreamed runs save into work/db and packs the growing file into the
// archive at dst (written as dst.part, renamed when complete). It checks
// etcd's integrity hash on the way when the snapshot has one. It returns
// the server's version and the archive's size and sha256.
func packStreamed(save snapshotSaver, db, dst string, now time.Time) (version string, size int64, sum string, err error) {
	out, err := os.OpenFile(dst+".part", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", 0, "", err
	}
	committed := false
	defer func() {
		if !committed {
			out.Close()
			os.Remove(dst + ".part")
		}
	}()
	reserved, err := tarHeaderMember(0, now)
	if err != nil {
		return "", 0, "", err
	}
	if _, err := out.Write(make([]byte, len(reserved))); err != nil {
		return "", 0, "", err
	}

	type result struct {
		version string
		err     error
	}
	saved := make(chan result, 1)
	go func() {
		v, err := save(db)
		saved <- result{v, err}
	}()

	gz, err := gzip.NewWriterLevel(out, archiveLevel)
	if err != nil {
		<-saved
		return "", 0, "", err
	}
	tail := &tailReader{part: db + ".part", final: db, saved: make(chan struct{})}
	var saveErr error
	go func() {
		r := <-saved
		version, saveErr = r.version, r.err
		close(tail.saved)
	}()
	check := &trailerHash{h: sha256.New()}
	n, copyErr := io.Copy(io.MultiWriter(gz, check), tail)
	<-tail.saved // version and saveErr are set
	if saveErr != nil {
		return version, 0, "", saveErr
	}
	if copyErr != nil {
		return version, 0, "", fmt.Errorf("cannot read the snapshot as it is saved: %w", copyErr)
	}
	if n%512 == sha256.Size && !check.ok() {
		return version, 0, "", errors.New("the snapshot's integrity hash does not match its data")
	}
	// tar padding to a 512-byte block, then the two zero blocks ending
	// the archive.
	pad := (512 - n%512) % 512
	if _, err := gz.Write(make([]byte, pad+1024)); err != nil {
		return version, 0, "", err
	}
	if err := gz.Close(); err != nil {
		return version, 0, "", err
	}
	header, err := tarHeaderMember(n, now)
	if err != nil {
		return version, 0, "", err
	}
	if len(header) != len(reserved) {
		return version, 0, "", fmt.Errorf("cannot pack the snapshot: tar header member is %d bytes, reserved %d", len(header), len(reserved))
	}
	if _, err := out.WriteAt(header, 0); err != nil {
		return version, 0, "", err
	}
	if err := out.Sync(); err != nil {
		return version, 0, "", err
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return version, 0, "", err
	}
	h := sha256.New()
	size, err = io.Copy(h, out)
	if err != nil {
		return version, 0, "", err
	}
	if err := out.Close(); err != nil {
		return version, 0, "", err
	}
	if err := os.Rename(dst+".part", dst); err != nil {
		return version, 0, "", err
	}
	committed = true
	return version, size, hex.EncodeToString(h.Sum(nil)), nil
}

// tarHeaderMember is a gzip member holding, uncompressed, the tar header
// of the db entry of size bytes. GNU format keeps it one 512-byte block
// for any size, so the member's length never changes.
func tarHeaderMember(size int64, now time.Time) ([]byte, error) {
	var block bytes.Buffer
	tw := tar.NewWriter(&block)
	hdr := &tar.Header{Name: snapshotEntry, Mode: 0o600, Size: size, ModTime: now.Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatGNU}
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

// tailReader reads a file while another goroutine writes it: part until
// the writer renames it to final (the open descriptor follows the
// rename), or final when the writer wrote it directly. At the end of what
// is written so far it waits, until saved is closed; then it reads what
// is left and ends.
type tailReader struct {
	part, final string
	saved       chan struct{}
	f           *os.File
}

func (t *tailReader) Read(p []byte) (int, error) {
	for t.f == nil {
		done := isClosed(t.saved)
		for _, name := range []string{t.part, t.final} {
			f, err := os.Open(name)
			if err == nil {
				t.f = f
				break
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return 0, err
			}
		}
		if t.f == nil {
			if done {
				return 0, io.EOF // the writer failed before writing; its error says why
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	for {
		done := isClosed(t.saved)
		n, err := t.f.Read(p)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		if done {
			t.f.Close()
			return 0, io.EOF
		}
		time.Sleep(time.Millisecond)
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// trailerHash hashes a stream but its last sha256.Size bytes, and keeps
// those to compare: etcd's snapshot integrity check.
type trailerHash struct {
	h    hash.Hash
	last []byte
}

func (c *trailerHash) Write(p []byte) (int, error) {
	if len(p) >= sha256.Size {
		c.h.Write(c.last)
		c.h.Write(p[:len(p)-sha256.Size])
		c.last = append(c.last[:0], p[len(p)-sha256.Size:]...)
		return len(p), nil
	}
	buf := append(append([]byte(nil), c.last...), p...)
	if cut := len(buf) - sha256.Size; cut > 0 {
		c.h.Write(buf[:cut])
		buf = buf[cut:]
	}
	c.last = buf
	return len(p), nil
}

func (c *trailerHash) ok() bool {
	return len(c.last) == sha256.Size && bytes.Equal(c.h.Sum(nil), c.last)
}
