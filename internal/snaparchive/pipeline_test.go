package snaparchive

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// failingReader yields data, then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadAhead(t *testing.T) {
	data := randomBytes(t, 100_000)
	broken := errors.New("unexpected EOF in the archive")
	tests := []struct {
		name    string
		src     io.Reader
		size, n int
		read    int // bytes per Read
		wantErr error
	}{
		{name: "buffers smaller than reads", src: bytes.NewReader(data), size: 1000, n: 2, read: 4096},
		{name: "buffers larger than reads", src: bytes.NewReader(data), size: 64 << 10, n: 3, read: 777},
		{name: "one byte at a time from the source", src: iotest.OneByteReader(bytes.NewReader(data)), size: 4096, n: 2, read: 5000},
		{name: "source fails after its data", src: &failingReader{bytes.NewReader(data), broken}, size: 3000, n: 2, read: 1024, wantErr: broken},
		{name: "source fails with its last bytes", src: iotest.DataErrReader(&failingReader{bytes.NewReader(data), broken}), size: 1 << 20, n: 1, read: 1 << 20, wantErr: broken},
		{name: "empty source", src: bytes.NewReader(nil), size: 10, n: 1, read: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra := newReadAhead(tt.src, tt.size, tt.n)
			defer ra.Close()
			var got bytes.Buffer
			buf := make([]byte, tt.read)
			var err error
			for {
				var m int
				m, err = ra.Read(buf)
				got.Write(buf[:m])
				if err != nil {
					break
				}
			}
			want := data
			if tt.name == "empty source" {
				want = nil
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("read %d bytes, want the source's %d", got.Len(), len(want))
			}
			wantErr := tt.wantErr
			if wantErr == nil {
				wantErr = io.EOF
			}
			if err != wantErr {
				t.Errorf("error %v, want %v", err, wantErr)
			}
			if m, err := ra.Read(buf); m != 0 || err != wantErr {
				t.Errorf("read after the end: %d, %v", m, err)
			}
		})
	}
}

// TestReadAheadClose stops the goroutine while it is blocked on full
// buffers nobody reads.
func TestReadAheadClose(t *testing.T) {
	ra := newReadAhead(bytes.NewReader(randomBytes(t, 1<<20)), 1024, 2)
	buf := make([]byte, 10)
	if _, err := ra.Read(buf); err != nil {
		t.Fatal(err)
	}
	ra.Close() // returns only once the goroutine exited
	ra.Close()
}

// failAfter accepts n bytes, then fails.
type failAfter struct {
	n   int
	got bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.got.Len()+len(p) > f.n {
		return 0, errors.New("disk full")
	}
	return f.got.Write(p)
}

func TestWriteBehind(t *testing.T) {
	data := randomBytes(t, 100_000)
	tests := []struct {
		name    string
		size, n int
		write   int // bytes per Write
		limit   int // the destination fails beyond this many bytes (0: never)
		wantErr bool
	}{
		{name: "writes larger than buffers", size: 1000, n: 2, write: 4096},
		{name: "writes smaller than buffers", size: 64 << 10, n: 3, write: 777},
		{name: "one buffer", size: 10, n: 1, write: 3},
		{name: "destination fails", size: 4096, n: 2, write: 5000, limit: 50_000, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := &failAfter{n: tt.limit}
			if tt.limit == 0 {
				dst.n = len(data)
			}
			wb := newWriteBehind(dst, tt.size, tt.n)
			src := append([]byte(nil), data...)
			for off := 0; off < len(src); off += tt.write {
				chunk := src[off:min(off+tt.write, len(src))]
				if n, err := wb.Write(chunk); n != len(chunk) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
				clear(chunk) // the caller may reuse its buffer at once
			}
			err := wb.Close()
			if tt.wantErr {
				if err == nil {
					t.Fatal("Close reported no error from the destination")
				}
				return
			}
			if err != nil || !bytes.Equal(dst.got.Bytes(), data) {
				t.Errorf("Close = %v; destination got %d bytes, want %d", err, dst.got.Len(), len(data))
			}
			if err := wb.Close(); err != nil {
				t.Errorf("second Close = %v", err)
			}
			if _, err := wb.Write([]byte("x")); err == nil {
				t.Error("Write after Close succeeded")
			}
		})
	}
}
