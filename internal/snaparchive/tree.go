package snaparchive

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	gzip "github.com/klauspost/compress/gzip"
)

// ArchiveTree archives every directory and regular file under dir into
// a tar.gz at dst, named relative to dir (so the archive unpacks into the
// directory it is run in): layer-etcd's v2 backups and the data backups
// restore takes. The archive is dst.part, mode 0600, until it is complete
// and synced, then renamed; a failure leaves nothing behind.
func ArchiveTree(dir, dst string) (Written, error) {
	a, err := createArchive(dst, 0o600)
	if err != nil {
		return Written{}, err
	}
	if err := a.addTree(dir); err != nil {
		a.abort()
		return Written{}, err
	}
	size, sum, err := a.commit()
	if err != nil {
		return Written{}, err
	}
	return Written{Size: size, SHA256: sum}, nil
}

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

func createArchive(path string, mode os.FileMode) (*archiveFile, error) {
	f, err := os.OpenFile(path+".part", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return nil, err
	}
	a := &archiveFile{path: path, f: f, sum: sha256.New()}
	a.buf = bufio.NewWriterSize(io.MultiWriter(f, a.sum, &a.size), ioBufSize)
	gz, err := gzip.NewWriterLevel(a.buf, Level)
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
