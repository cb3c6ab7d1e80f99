#!/bin/sh
# etcd-snap.sh BINS OUT [VERSION] — pack an etcd release in BINS (filled by
# scripts/etcd-bins.sh) into OUT, a squashfs .snap like the etcd snap:
# bin/{etcd,etcdctl[,etcdutl]}, the daemon wrapper bin/snap-wrap.sh (the
# same file jujusim's snapd uses for store installs) and meta/snap.yaml.
# It is the charm's `etcd` resource for the offline (sideload) path.
# VERSION picks the release: a full one (3.5.35) or a track (3.5) for the
# newest release of that track; without it, the newest release in BINS.
# Needs mksquashfs (Debian package squashfs-tools). MKSQUASHFS_OPTS replaces
# the default compression options (tests pass "-noI -noD -noF -noX" for an
# uncompressed image that builds in a second).
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BINS OUT [VERSION]" >&2
	exit 2
fi
BINS=$1
OUT=$2
WANT=${3:-}
case $WANT in
"" | [0-9]*.[0-9]* ) ;;
*)
	echo "$0: version $WANT is not like 3.6 or 3.6.16" >&2
	exit 2
	;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v mksquashfs >/dev/null || {
	echo "mksquashfs not found: install Debian's squashfs-tools" >&2
	exit 1
}

version=$(for d in "$BINS"/*/; do
	d=${d%/}
	[ -f "$d/.complete" ] && [ -x "$d/etcd" ] || continue
	v=$(basename "$d")
	# A track matches its releases (3.6 → 3.6.x), a release only itself.
	case $v in
	"$WANT" | "$WANT".*) echo "$v" ;;
	*) [ -z "$WANT" ] && echo "$v" ;;
	esac
done | sort -V | tail -n 1)
if [ -z "$version" ]; then
	if [ -n "$WANT" ]; then
		echo "no etcd $WANT release in $BINS: run make etcd-bins" >&2
	else
		echo "no etcd release in $BINS: run make etcd-bins" >&2
	fi
	exit 1
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/bin" "$tree/meta"
for b in etcd etcdctl etcdutl; do
	[ -x "$BINS/$version/$b" ] && cp "$BINS/$version/$b" "$tree/bin/"
done
cp "$ROOT/sim/snapd/assets/snap-wrap.sh" "$tree/bin/snap-wrap.sh"
chmod 755 "$tree/bin/"*

{
	echo "name: etcd"
	echo "version: '$version'"
	echo "summary: Resilient key-value store by CoreOS"
	echo "description: etcd $version packed by scripts/etcd-snap.sh for jujusim."
	echo "base: core18"
	echo "confinement: strict"
	echo "grade: stable"
	echo "apps:"
	echo "  etcd:"
	echo "    command: bin/snap-wrap.sh"
	echo "    daemon: simple"
	echo "    plugs: [network-bind, removable-media]"
	echo "  etcdctl:"
	echo "    command: bin/etcdctl"
	echo "    plugs: [home, network-bind]"
	if [ -x "$tree/bin/etcdutl" ]; then
		echo "  etcdutl:"
		echo "    command: bin/etcdutl"
		echo "    plugs: [home]"
	fi
} >"$tree/meta/snap.yaml"

mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
# shellcheck disable=SC2086 # MKSQUASHFS_OPTS is a list of options
mksquashfs "$tree" "$OUT" -noappend ${MKSQUASHFS_OPTS:--comp gzip} -all-root -no-progress >/dev/null
echo "etcd $version: $OUT"
