package workload

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHasMemberData(t *testing.T) {
	dir := t.TempDir()
	if HasMemberData(dir) {
		t.Fatal("an empty dir holds a member")
	}
	if err := os.MkdirAll(filepath.Join(dir, "member", "wal"), 0o700); err != nil {
		t.Fatal(err)
	}
	if HasMemberData(dir) {
		t.Fatal("a member dir without a WAL holds a member")
	}
	if err := os.WriteFile(filepath.Join(dir, "member", "wal", "0000000000000000-0000000000000000.wal"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !HasMemberData(dir) {
		t.Fatal("a WAL is not a member")
	}
}
