package relations

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// The stream decodes with xz itself (XZ Utils), the reference decoder.
func TestXZStoreDecodesWithXZ(t *testing.T) {
	xz, err := exec.LookPath("xz")
	if err != nil {
		t.Skip("xz is not installed")
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte(`{"title": "etcd"}`)},
		{"several chunks", bytes.Repeat([]byte("0123456789abcdef"), 3*4096+7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(xz, "--decompress", "--stdout")
			cmd.Stdin = bytes.NewReader(xzStore(tc.data))
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("xz -d: %v: %s", err, strings.TrimSpace(stderr.String()))
			}
			if !bytes.Equal(out.Bytes(), tc.data) {
				t.Errorf("decoded %d bytes, want %d", out.Len(), len(tc.data))
			}
		})
	}
}
