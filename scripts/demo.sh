#!/usr/bin/env bash
# make demo: deploy easyrsa + 3 etcd units + etcd-client + Prometheus on jujusim, as an
# operator would on Juju, and print the model's status. The model keeps
# running afterwards; `bin/jujusim destroy` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
J=bin/jujusim
export JUJUSIM_HOME="${JUJUSIM_HOME:-$HOME/.local/share/jujusim}"

if [ -e "$JUJUSIM_HOME/controller.sock" ] && $J status >/dev/null 2>&1; then
  echo "A jujusim model is already running in $JUJUSIM_HOME; destroying it first."
  $J destroy
fi
set -x
# Every machine runs its own snapd, as on Juju (--no-snapd turns it off).
$J bootstrap
# Every jujusim unit shares this host's network (loopback addresses), so
# etcd must listen on its unit's own address, not on all interfaces.
$J deploy build/etcd.charm etcd -n 3 --config bind_to_all_interfaces=false
$J deploy build/easyrsa.charm easyrsa
$J deploy build/etcd-client.charm etcd-client
$J deploy build/prometheus.charm prometheus --config scrape-interval=5s
$J integrate etcd:certificates easyrsa:client
$J integrate etcd:db etcd-client:etcd
$J integrate etcd:prometheus prometheus:manual-jobs
$J wait-for --workload active --timeout 10m
$J run etcd/leader health
$J status
set +x
PROM="http://$($J exec --unit prometheus/0 -- 'cat "${SNAPPY_GLOBAL_ROOT:-}/var/snap/prometheus/common/listen-address"')"
cat <<MSG

Prometheus scrapes every etcd member at $PROM (its UI; the job is etcd-<request id>).
One query to try, the members that see a raft leader:
  curl -s '$PROM/api/v1/query' --data-urlencode 'query=sum(etcd_server_has_leader)'

The model is running in $JUJUSIM_HOME. Try (as with juju):
  export JUJUSIM_HOME=$JUJUSIM_HOME
  $J run etcd-client/0 put key=hello value=world
  $J run etcd/0 etcd/1 etcd/2 health
  $J exec --unit etcd/0 -- etcd.etcdctl version
  $J exec --unit etcd/0 -- systemctl is-active snap.etcd.etcd
  $J exec --application etcd -- snap get core refresh.timer
  $J add-unit etcd
  $J wait-for application etcd --query 'status=="active"'
  $J show-unit etcd/0
  $J status --watch 2s
  $J debug-log --replay --no-tail
  $J model-config logging-config='<root>=DEBUG'
  $J destroy
MSG
