package actions

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gzip "github.com/klauspost/compress/gzip"
)

// archiveLevel is the gzip level of snapshot and backup archives. The
// archives are gzip as layer-etcd's were, written and read with
// klauspost/compress (the standard library's inflate, ~110 MB/s here,
// made restore several times slower than etcd's own restore). On the
// benchmark's data (half random base64, half repetitive JSON) on the
// 2-core box its fastest level compresses at 0.5-1.1 GB/s to half the
// size and inflates at 0.8-1.5 GB/s; Huffman-only was slower both ways
// and larger (0.64). Stored (level 0) archives are twice the size but
// unpack ~2.5x faster, which shows in BenchmarkSnapshotRestore's
// "stored" lines; the fastest level is the default for the disk it saves.
var archiveLevel = gzip.BestSpeed

// snapshotEntry is the name of the database inside a snapshot archive:
// layer-etcd's archives hold "./db" (tar run inside the directory), ours
// hold "db"; both restore.
const snapshotEntry = "db"

// archiveFile is a tar.gz being written next to its final path: it is
// path+".part" until commit fsyncs it and renames it into place, so no
// reader ever sees half an archive and a failure leaves nothing behind.
type archiveFile struct {
	path string
	f    *os.File
	sum  hash.Hash
	buf  *bufio.Writer
	gz   *gzip.Writer
	tw   *tar.Writer
	size countWriter
}

// ioBufSize is the size of the buffers archives are written and read
// through. The compressor hands its output on in pieces of ~250 bytes:
// written straight to the file that is one system call each, which cost
// more than the compression itself.
const ioBufSize = 1 << 20

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func createArchive(path string, mode os.FileMode) (*archiveFile, error) {
	f, err := os.OpenFile(path+".part", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return nil, err
	}
	a := &archiveFile{path: path, f: f, sum: sha256.New()}
	a.buf = bufio.NewWriterSize(io.MultiWriter(f, a.sum, &a.size), ioBufSize)
	gz, err := gzip.NewWriterLevel(a.buf, archiveLevel)
	if err != nil {
		a.abort()
		return nil, err
	}
	a.gz = gz
	a.tw = tar.NewWriter(gz)
	return a, nil
}

// addFile copies the regular file src into the archive as name.
func (a *archiveFile) addFile(name, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: int64(st.Mode().Perm()), Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(a.tw, in)
	if err != nil {
		return err
	}
	if n != st.Size() {
		return fmt.Errorf("cannot archive %s: it changed size while being read", src)
	}
	return nil
}

// addTree adds every directory and regular file under dir, named relative
// to it (so the archive unpacks into the directory it is run in).
func (a *archiveFile) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		name := filepath.ToSlash(rel)
		switch {
		case e.IsDir():
			info, err := e.Info()
			if err != nil {
				return err
			}
			return a.tw.WriteHeader(&tar.Header{Name: name + "/", Mode: int64(info.Mode().Perm()), ModTime: info.ModTime(), Typeflag: tar.TypeDir})
		case e.Type().IsRegular():
			return a.addFile(name, p)
		}
		return nil // sockets, links: etcd's data dir has none
	})
}

// commit finishes the archive and puts it in place; it returns the
// archive's size and sha256.
func (a *archiveFile) commit() (int64, string, error) {
	err := a.tw.Close()
	if err == nil {
		err = a.gz.Close()
	}
	if err == nil {
		err = a.buf.Flush()
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.path+".part", a.path)
	}
	if err != nil {
		os.Remove(a.path + ".part")
		return 0, "", err
	}
	return a.size.n, hex.EncodeToString(a.sum.Sum(nil)), nil
}

// abort removes the partial archive.
func (a *archiveFile) abort() {
	a.f.Close()
	os.Remove(a.path + ".part")
}

// errNotSnapshot is an archive the restore action cannot use; its message
// is for the operator.
type errNotSnapshot struct{ reason string }

func (e *errNotSnapshot) Error() string { return e.reason }

func notSnapshot(format string, args ...any) error {
	return &errNotSnapshot{fmt.Sprintf(format, args...)}
}

// extractSnapshot unpacks the db of a snapshot archive into dst (which
// must not exist). It reads the whole archive, so a truncated or corrupt
// one is refused even when db itself came through, and refuses a v2
// backup (which holds member/wal instead of db).
//
// etcd's snapshots end in a sha256 of the database (the database is whole
// 512-byte units and the hash follows); for those, extractSnapshot starts
// checking the hash of the unpacked file in a goroutine and returns
// check, which waits for the verdict. Meanwhile the caller may work on a
// copy of the db it can throw away (restore runs etcd's restore into a
// scratch directory), but it must not act on the db before check returns
// nil. check is nil for a db without the hash: layer-etcd's snapshots
// were raw copies of member/snap/db, bare bolt files of whole pages,
// which the caller must check otherwise.
func extractSnapshot(archive, dst string) (check func() error, err error) {
	size, err := extractDB(archive, dst)
	if err != nil {
		return nil, err
	}
	switch {
	case size == 0:
		return nil, notSnapshot("the snapshot's db is empty")
	case size%512 == 0:
		return nil, nil
	case size%512 != sha256.Size:
		return nil, notSnapshot("the snapshot's db (%d bytes) is neither a bolt database nor one with etcd's integrity hash: it is truncated or not an etcd snapshot", size)
	}
	verdict := make(chan error, 1)
	go func() { verdict <- checkFileHash(dst) }()
	return func() error { return <-verdict }, nil
}

// checkFileHash checks etcd's integrity hash at the end of the file at
// path. It hashes the file through a read-only mapping of it, which costs
// no copy of the (freshly written, cached) data.
func checkFileHash(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot check the snapshot: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot check the snapshot: %w", err)
	}
	check := &trailerHash{h: sha256.New()}
	if data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED); err == nil {
		check.Write(data)
		syscall.Munmap(data)
	} else if _, err := io.CopyBuffer(check, struct{ io.Reader }{f}, make([]byte, ioBufSize)); err != nil {
		return fmt.Errorf("cannot check the snapshot: %w", err)
	}
	if !check.ok() {
		return notSnapshot("the snapshot's integrity hash does not match its data: it is corrupt")
	}
	return nil
}

func extractDB(archive, dst string) (int64, error) {
	f, err := os.Open(archive)
	if err != nil {
		return 0, fmt.Errorf("cannot open the snapshot: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, ioBufSize))
	if err != nil {
		return 0, notSnapshot("the snapshot is not a gzip archive (%v)", err)
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
			return 0, notSnapshot("the snapshot archive is damaged or truncated (%v)", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if strings.HasPrefix(name, "member/wal") || strings.Contains(name, "/member/wal") {
			v2 = true
		}
		if name != snapshotEntry || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if found {
			return 0, notSnapshot("the snapshot archive holds db twice")
		}
		found, size = true, hdr.Size
		if err := copyOut(tr, dst, hdr.Size); err != nil {
			return 0, err
		}
	}
	if _, err := io.Copy(io.Discard, ahead); err != nil {
		return 0, notSnapshot("the snapshot archive is damaged or truncated (%v)", err)
	}
	switch {
	case !found && v2:
		return 0, notSnapshot("the archive is a v2 backup (keys-version=v2), which restore cannot use: take a v3 snapshot")
	case !found:
		return 0, notSnapshot("the archive holds no db file: it is not an etcd snapshot")
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
		var ns *errNotSnapshot
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ns) {
			return notSnapshot("the snapshot archive is damaged or truncated (%v)", err)
		}
		return fmt.Errorf("cannot unpack the snapshot: %w", err)
	}
	// No fsync: the file is scratch, read at once by etcd's restore,
	// whose output is what must be durable.
	return out.Close()
}

// copyChunks is io.Copy through a buffer of ioBufSize (io.Copy would
// use the file's ReadFrom, which copies 32 KiB at a time).
func copyChunks(w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, ioBufSize)
	var n int64
	for {
		m, err := r.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// stamp is the timestamp layer-etcd put in snapshot names.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02-15.04.05") }
