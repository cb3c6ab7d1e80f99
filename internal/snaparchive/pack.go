package actions

import (
	"archive/tar"
	"bufio"
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
// packing costs little on top of the transfer (see
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

// snapshotSaver writes a snapshot to path, possibly through path.part
// renamed at the end (the client's snapshot API does).
type snapshotSaver func(path string) (version string, err error)

// snapshotSource starts a snapshot and returns its bytes (the db, then
// etcd's sha256 of it); finish, called once they are read or reading
// failed, ends the transfer and returns the server's version and the
// transfer's error.
type snapshotSource func() (r io.Reader, finish func() (version string, err error), err error)

// streamSource packs the snapshot as it arrives from the client: nothing
// is written but the archive.
func streamSource(open func() (io.ReadCloser, string, error)) snapshotSource {
	return func() (io.Reader, func() (string, error), error) {
		rc, version, err := open()
		if err != nil {
			return nil, nil, err
		}
		return rc, func() (string, error) { return version, rc.Close() }, nil
	}
}

// fileSource runs save into db and reads the growing file: for an etcd
// client that can only save snapshots to files.
func fileSource(save snapshotSaver, db string) snapshotSource {
	return func() (io.Reader, func() (string, error), error) {
		type result struct {
			version string
			err     error
		}
		saved := make(chan result, 1)
		tail := &tailReader{part: db + ".part", final: db, saved: make(chan struct{})}
		go func() {
			v, err := save(db)
			saved <- result{v, err}
			close(tail.saved)
		}()
		finish := func() (string, error) {
			r := <-saved
			if tail.f != nil {
				tail.f.Close()
			}
			return r.version, r.err
		}
		return tail, finish, nil
	}
}

// packStreamed packs the snapshot src yields into the archive at dst
// (written as dst.part, synced once and renamed when complete). It checks
// etcd's integrity hash on the way: a stream without one is refused
// unless it is no bolt database at all (only test doubles send those).
// It returns the server's version and the archive's size and sha256.
func packStreamed(src snapshotSource, dst string, now time.Time) (version string, size int64, sum string, err error) {
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
	r, finish, err := src()
	if err != nil {
		return "", 0, "", err
	}
	finished := false
	defer func() {
		if !finished {
			finish()
		}
	}()

	// The first page tells the size (boltSize).
	head, readErr := readHead(r, 4096)
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
		return "", 0, "", err
	}
	if !sized {
		clear(header) // a place holder, rewritten at the end
	}
	if _, err := bw.Write(header); err != nil {
		return "", 0, "", err
	}
	gz, err := gzip.NewWriterLevel(bw, archiveLevel)
	if err != nil {
		return "", 0, "", err
	}
	check := &trailerHash{h: sha256.New()}
	checking := newWriteBehind(check, ioBufSize, 4)
	defer checking.Close()
	data := io.MultiWriter(gz, checking)
	n := int64(len(head))
	if _, err := data.Write(head); err != nil {
		return "", 0, "", err
	}
	if readErr == nil {
		var m int64
		m, readErr = copyChunks(data, r)
		n += m
	} else if readErr == io.EOF {
		readErr = nil
	}
	version, saveErr := finish()
	finished = true
	if saveErr != nil {
		return version, 0, "", saveErr
	}
	if readErr != nil {
		return version, 0, "", fmt.Errorf("cannot read the snapshot as it is saved: %w", readErr)
	}
	checking.Close()
	hashed := n%512 == sha256.Size
	if hashed && !check.ok() {
		return version, 0, "", errors.New("the snapshot's integrity hash does not match its data")
	}
	if !hashed && sized {
		return version, 0, "", fmt.Errorf("the snapshot (%d bytes) lacks etcd's integrity hash: the transfer was cut short", n)
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
	if err := bw.Flush(); err != nil {
		return version, 0, "", err
	}
	archiveHash.Close()
	if !sized || n != want {
		// Rewrite member 1 with the size read, then hash the file anew.
		fixed, err := tarHeaderMember(n, now)
		if err != nil {
			return version, 0, "", err
		}
		if len(fixed) != len(header) {
			return version, 0, "", fmt.Errorf("cannot pack the snapshot: tar header member is %d bytes, reserved %d", len(fixed), len(header))
		}
		if _, err := out.WriteAt(fixed, 0); err != nil {
			return version, 0, "", err
		}
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			return version, 0, "", err
		}
		h.Reset()
		if count.n, err = io.CopyBuffer(h, out, make([]byte, ioBufSize)); err != nil {
			return version, 0, "", err
		}
	}
	if err := out.Sync(); err != nil {
		return version, 0, "", err
	}
	if err := out.Close(); err != nil {
		return version, 0, "", err
	}
	if err := os.Rename(dst+".part", dst); err != nil {
		return version, 0, "", err
	}
	committed = true
	return version, count.n, hex.EncodeToString(h.Sum(nil)), nil
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
