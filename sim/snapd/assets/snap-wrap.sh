#!/bin/sh
# snap-wrap.sh: the entry point of the etcd snap's "etcd" daemon, with the
# behaviour of the real snap's wrapper: etcd reads its whole configuration
# from $SNAP_COMMON/etcd.conf.yml. Without that file there is nothing to run:
# print a hint and exit 0, so the simple service just stops (not a failure,
# so it is not restarted). A leftover etcd 2.x env-style etcd.conf is an error.
set -e
conf="$SNAP_COMMON/etcd.conf.yml"
if [ -f "$SNAP_COMMON/etcd.conf" ] && [ ! -f "$conf" ]; then
	echo "found an etcd 2.x configuration at $SNAP_COMMON/etcd.conf; migrate it to $conf" >&2
	exit 1
fi
if [ ! -f "$conf" ]; then
	echo "etcd is not configured: create $conf (see etcd's etcd.conf.yml.sample) and restart the service"
	exit 0
fi
exec "$SNAP/bin/etcd" --config-file "$conf"
