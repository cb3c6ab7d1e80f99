#!/bin/sh
# etcd-bins.sh DEST — fill DEST with the real etcd binaries jujusim's fake snap
# store serves:
#
#   DEST/<version>/{etcd,etcdctl[,etcdutl]}   one directory per etcd release
#
# The fake store's default catalogue is derived from these directories (see
# sim/snapd/catalogue.go).
#
# 3.5.x and 3.6.x are built from their Go modules, pinned by the tool modules
# under tools/etcd3.5 and tools/etcd3.6 (CGO off). 3.4 is Debian's build
# (packages etcd-server and etcd-client), copied from /usr/bin. Work already
# done is skipped: a version directory counts as built once its .complete
# marker exists, so re-running is cheap and an interrupted build is redone.
set -eu

DEST=${1:-${ETCD_BINS:-}}
if [ -z "$DEST" ]; then
	echo "usage: $0 DEST (or set ETCD_BINS)" >&2
	exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

# module_version DIR MODULE prints the version DIR's go.mod pins for MODULE.
module_version() {
	(cd "$1" && "$GO" list -m -f '{{.Version}}' "$2")
}

build_go_release() { # build_go_release TOOLDIR
	tooldir=$ROOT/tools/$1
	v=$(module_version "$tooldir" go.etcd.io/etcd/server/v3)
	v=${v#v}
	out=$DEST/$v
	if [ -f "$out/.complete" ]; then
		echo "etcd $v: already built in $out"
		return
	fi
	echo "etcd $v: building into $out"
	rm -rf "$out"
	mkdir -p "$out"
	# go build names a binary after the last element of its import path
	# ("v3" for all three), so each is built to an explicit name.
	for pair in etcd:go.etcd.io/etcd/server/v3 etcdctl:go.etcd.io/etcd/etcdctl/v3 etcdutl:go.etcd.io/etcd/etcdutl/v3; do
		name=${pair%%:*}
		pkg=${pair#*:}
		(cd "$tooldir" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags '-s -w' -o "$out/$name" "$pkg")
	done
	"$out/etcd" --version | grep -q "etcd Version: $v" || {
		echo "etcd $v: built binary does not report version $v" >&2
		exit 1
	}
	touch "$out/.complete"
}

copy_debian_34() {
	for b in etcd etcdctl; do
		if [ ! -x /usr/bin/$b ]; then
			echo "etcd 3.4: /usr/bin/$b missing; install Debian's etcd-server and etcd-client" >&2
			exit 1
		fi
	done
	v=$(/usr/bin/etcd --version | sed -n 's/^etcd Version: //p')
	case $v in
	3.4.*) ;;
	*)
		echo "etcd 3.4: /usr/bin/etcd is version '$v', want 3.4.x" >&2
		exit 1
		;;
	esac
	out=$DEST/$v
	if [ -f "$out/.complete" ]; then
		echo "etcd $v: already copied to $out"
		return
	fi
	rm -rf "$out"
	mkdir -p "$out"
	cp /usr/bin/etcd /usr/bin/etcdctl "$out/"
	touch "$out/.complete"
	echo "etcd $v: copied Debian's binaries into $out"
}

copy_debian_34
build_go_release etcd3.5
build_go_release etcd3.6

