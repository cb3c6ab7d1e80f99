package testkit

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TarEntry is one entry of a tar archive: its header and, for a regular
// file, its contents.
type TarEntry struct {
	Header *tar.Header
	Data   string
}

// TarGzEntries reads every entry of the .tar.gz at path, in order, with the
// standard library's readers (never the ones the code under test writes
// with).
func TarGzEntries(t testing.TB, path string) []TarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var entries []TarEntry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, TarEntry{Header: hdr, Data: string(data)})
	}
}

// ReadTarGz returns the regular files of the .tar.gz at path by name (a
// leading "./" dropped), as an operator unpacking an action's archive sees
// them.
func ReadTarGz(t testing.TB, path string) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, e := range TarGzEntries(t, path) {
		if e.Header.Typeflag == tar.TypeReg {
			files[strings.TrimPrefix(e.Header.Name, "./")] = e.Data
		}
	}
	return files
}

// ListFiles returns the paths under dir (recursively, relative to it), for
// checks that nothing is left behind.
func ListFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TarGz packs entries (name, content; a name ending in / is a directory)
// in order with the standard library's writers, as an operator's hand-made
// archive would be.
func TarGz(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e[0], Mode: 0o600, Size: int64(len(e[1])), Typeflag: tar.TypeReg}
		if strings.HasSuffix(e[0], "/") {
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
