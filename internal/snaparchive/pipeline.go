package snaparchive

import (
	"io"
)

// readAhead reads its source in a goroutine into a few large buffers
// that Read then hands out, so that producing the bytes (inflating an
// archive) runs on one core while consuming them (writing the db) runs on
// another: restore unpacks a snapshot in about the time of the slower of
// the two instead of their sum.
//
// The source's error (io.EOF included) is returned once every byte read
// before it has been consumed. Close stops the goroutine; it must be
// called before the source is closed.
type readAhead struct {
	full   chan chunk
	free   chan []byte
	stop   chan struct{}
	exited chan struct{}
	buf    []byte // the buffer cur is in, returned to free once drained
	cur    []byte
	err    error
}

type chunk struct {
	b   []byte
	err error
}

// newReadAhead starts reading r into n buffers of size bytes.
func newReadAhead(r io.Reader, size, n int) *readAhead {
	ra := &readAhead{
		full:   make(chan chunk, n),
		free:   make(chan []byte, n),
		stop:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for i := 0; i < n; i++ {
		ra.free <- make([]byte, size)
	}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.exited)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.stop:
			return
		}
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var m int
			m, err = r.Read(buf[n:])
			n += m
		}
		select {
		case ra.full <- chunk{buf[:n], err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)] // never blocks: free holds every buffer
			ra.buf = nil
		}
		if ra.err != nil {
			return 0, ra.err
		}
		c := <-ra.full
		ra.buf, ra.cur, ra.err = c.b, c.b, c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops reading ahead and waits for the goroutine to exit.
func (ra *readAhead) Close() error {
	select {
	case <-ra.stop:
	default:
		close(ra.stop)
	}
	<-ra.exited
	return nil
}

// writeBehind hands what is written to it to a goroutine that writes it
// to w, so that hashing runs on another core than what produces the
// bytes (the snapshot action's compressing). Write copies p (the caller may reuse
// it at once) and blocks only when n buffers are waiting. Close waits
// until everything is written and returns w's first error (hashes have
// none). Only one goroutine may call Write and Close.
type writeBehind struct {
	w      io.Writer
	full   chan []byte
	free   chan []byte
	done   chan struct{}
	err    error // set by the goroutine, read after done
	closed bool
}

func newWriteBehind(w io.Writer, size, n int) *writeBehind {
	wb := &writeBehind{w: w, full: make(chan []byte, n), free: make(chan []byte, n), done: make(chan struct{})}
	for i := 0; i < n; i++ {
		wb.free <- make([]byte, size)
	}
	go wb.drain()
	return wb
}

func (wb *writeBehind) drain() {
	defer close(wb.done)
	for b := range wb.full {
		if wb.err == nil {
			_, wb.err = wb.w.Write(b)
		}
		wb.free <- b[:cap(b)]
	}
}

func (wb *writeBehind) Write(p []byte) (int, error) {
	if wb.closed {
		return 0, io.ErrClosedPipe
	}
	n := len(p)
	for len(p) > 0 {
		buf := <-wb.free
		m := copy(buf, p)
		wb.full <- buf[:m]
		p = p[m:]
	}
	return n, nil
}

// Close flushes and stops the goroutine; it is safe to call twice.
func (wb *writeBehind) Close() error {
	if !wb.closed {
		wb.closed = true
		close(wb.full)
	}
	<-wb.done
	return wb.err
}

// ioBufSize is the size of the buffers archives are written and read
// through. The compressor hands its output on in pieces of ~250 bytes:
// written straight to the file that is one system call each, which cost
// more than the compression itself.
const ioBufSize = 1 << 20

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

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
