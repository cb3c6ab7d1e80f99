package snaparchive

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"syscall"
)

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
		return NotSnapshot("the snapshot's integrity hash does not match its data: it is corrupt")
	}
	return nil
}
