package actions

import (
	"os"
	"syscall"
)

// Files the actions leave for the operator (snapshots, the data backup
// restore takes, the client-credentials tarball) are fetched with the
// `juju scp` command the results print. On a machine `juju scp` logs in
// over ssh as `ubuntu` (Juju's ssh client has no other user for
// machines), while hooks and actions run as root, so a file they create
// is root's, and a root-only 0600 file cannot be fetched ("Permission
// denied").
//
// These files hold secrets (the client key; the whole keyspace), so they
// are not made readable by everyone: each is handed to ubuntu and keeps
// mode 0600, inside directories created 0755, which ubuntu can traverse
// (/home/ubuntu itself is ubuntu's own home). Inside the credentials
// tarball the key keeps its own 0600. Only a target directory the
// operator chose that ubuntu cannot enter (under /root, say) stays
// unreachable, as it would be for scp of any file.
//
// Who ubuntu is: the owner of /home/ubuntu, its home. When that is
// missing or root's (the charm created it, or an image without the
// user's home there), uid and gid 1000, which cloud-init gives the
// default `ubuntu` user on the Ubuntu images Juju provisions.
const ubuntuUID, ubuntuGID = 1000, 1000

// scpOwner is the uid and gid `juju scp` reads files as.
func scpOwner(d Deps) (uid, gid int) {
	st, err := os.Stat(d.Paths.HomeUbuntu())
	if err != nil {
		return ubuntuUID, ubuntuGID
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid == 0 {
		return ubuntuUID, ubuntuGID
	}
	return int(sys.Uid), int(sys.Gid)
}

// handOver gives path to the user `juju scp` logs in as, so that it can
// fetch it although only its owner may read it. Best effort: the file is
// complete either way, and a charm not run as root (never so under Juju)
// cannot give files away; that is logged, not failed.
func handOver(d Deps, path string) {
	uid, gid := scpOwner(d)
	if err := os.Lchown(path, uid, gid); err != nil {
		d.logf("cannot give %s to uid %d for juju scp: %v", d.Paths.Unroot(path), uid, err)
	}
}
