package actions

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// spoolDir is where the snapshot action lets etcd's snapshot land while
// it is packed, with a client that can only save snapshots to a file (the
// real one streams it straight into the archive, see snapshotStreamer):
// the snapshot file is scratch (only the archive is kept), and the
// client's snapshot API fsyncs it, so on disk it costs a second full
// write and flush of the database. Memory-backed <root>/dev/shm
// is used instead when its filesystem has room for twice the database and
// the machine has that much memory available; otherwise the target
// directory, whose filesystem must hold the archive anyway.
func spoolDir(d Deps, fallback string, dbSize int64) string {
	shm := d.Paths.Join("dev/shm")
	var st syscall.Statfs_t
	if dbSize <= 0 || syscall.Statfs(shm, &st) != nil {
		return fallback
	}
	const tmpfsMagic = 0x01021994
	if st.Type != tmpfsMagic {
		return fallback
	}
	need := 2 * dbSize
	if int64(st.Bavail)*st.Bsize < need || memAvailable() < need {
		return fallback
	}
	return shm
}

// memAvailable is the kernel's estimate of memory available without
// swapping (0 when unknown).
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
