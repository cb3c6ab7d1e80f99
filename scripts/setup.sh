#!/usr/bin/env bash
# Installs what this repository's builds and tests need on a fresh machine:
# Debian packages (etcd 3.4 from Debian, easy-rsa, squashfs-tools, iproute2,
# prometheus) and the pinned Go tools (staticcheck). `make demo`, `make test`,
# `make lint`, `make bench*` and .ci/run all run it first; when everything is
# present it only checks a few files (a few milliseconds).
#
#   scripts/setup.sh           check, then install what is missing
#   scripts/setup.sh --check   only name what is missing (exit 1 if anything)
#
# The preflight finds everything missing before any build starts (--check
# names it all on one line). The Go tools come first (they need no root);
# when the Debian packages cannot be installed here (not root, or apt-get
# fails, e.g. offline) it stops at once with one line naming them and the
# command that installs them.
#
# SETUP_ROOT prefixes every file checked (tests point it at a fake machine).
set -uo pipefail

root=${SETUP_ROOT:-}
staticcheck_version=0.8.2
staticcheck_module=honnef.co/go/tools/cmd/staticcheck@v$staticcheck_version
# Services Debian starts on install; the tests and demo start their own.
services=(etcd prometheus prometheus-node-exporter)

# package: the files that show it is installed (any one of them, '|').
debs=(
  "squashfs-tools:/usr/bin/mksquashfs"
  "etcd-server:/usr/bin/etcd"
  "etcd-client:/usr/bin/etcdctl"
  "easy-rsa:/usr/share/easy-rsa/easyrsa"
  "iproute2:/usr/bin/ip|/bin/ip|/usr/sbin/ip|/sbin/ip"
  "prometheus:/usr/bin/prometheus"
  "prometheus:/usr/bin/promtool"
)

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

fail() { echo "setup: $*" >&2; exit 1; }

missing_debs() {
  local entry pkg files f found seen=" "
  for entry in "${debs[@]}"; do
    pkg=${entry%%:*}
    files=${entry#*:}
    found=false
    IFS='|' read -ra alts <<<"$files"
    for f in "${alts[@]}"; do
      if [ -e "$root$f" ]; then found=true; break; fi
    done
    if ! $found && [[ $seen != *" $pkg "* ]]; then
      seen+="$pkg "
      printf '%s ' "$pkg"
    fi
  done
}

# One `go env` call (the slowest check) gives the version and where Go
# tools are installed.
go_version="" go_bin=""
if command -v go >/dev/null 2>&1; then
  { read -r go_version; read -r gobin_env; read -r gopath_env; } < <(go env GOVERSION GOBIN GOPATH 2>/dev/null)
  go_bin=${gobin_env:-${gopath_env%%:*}/bin}
fi

# go_ok: Go is on PATH and at least go.mod's version.
go_want=$(sed -n 's/^go \([0-9][0-9.]*\).*/\1/p' "$(dirname "$0")/../go.mod" 2>/dev/null | head -1)
go_ok() {
  [ -n "$go_version" ] || return 1
  local have=${go_version#go}
  [ -z "$go_want" ] && return 0
  # go.mod's go line is the oldest toolchain that builds this offline.
  [ "$(printf '%s\n%s\n' "$go_want" "$have" | sort -V | head -1)" = "$go_want" ]
}

staticcheck_ok() {
  local out
  out=$("$go_bin/staticcheck" -version 2>/dev/null) || return 1
  [[ $out == *"($staticcheck_version)"* || $out == *"v$staticcheck_version"* ]]
}

# ---- preflight: name everything missing before installing anything ----
pkgs=$(missing_debs)
pkgs=${pkgs% }
need_go=false
need_sc=false
if ! go_ok; then
  need_go=true
elif ! staticcheck_ok; then
  need_sc=true
fi

if [ -z "$pkgs" ] && ! $need_go && ! $need_sc; then
  exit 0
fi

report=()
[ -n "$pkgs" ] && report+=("Debian packages: $pkgs")
$need_go && report+=("Go ${go_want:-1.26} or later")
$need_sc && report+=("staticcheck v$staticcheck_version")
summary=$(IFS=';'; echo "${report[*]}")
summary=${summary//;/; }

if $check_only; then
  fail "missing $summary"
fi
if $need_go; then
  # Go cannot come from here: everything else is built with it.
  fail "missing $summary; install Go ${go_want:-1.26} or later from https://go.dev/dl/ (then re-run make)"
fi

# Go tools first: they need no root, so a user without it gets them and
# then one line for the Debian packages.
if $need_sc; then
  echo "setup: installing staticcheck v$staticcheck_version"
  if ! go install "$staticcheck_module" >/dev/null 2>&1 || ! staticcheck_ok; then
    fail "cannot install staticcheck v$staticcheck_version (go install failed: offline?); install it with: go install $staticcheck_module"
  fi
fi

if [ -n "$pkgs" ]; then
  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages $pkgs; install them with: sudo apt-get update && sudo apt-get install -y $pkgs"
  fi
  echo "setup: installing Debian packages $pkgs"
  log=$(mktemp "${TMPDIR:-/tmp}/setup-apt.XXXXXX")
  # shellcheck disable=SC2086 # $pkgs is a word list
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs; } >"$log" 2>&1; then
    fail "cannot install Debian packages $pkgs (apt-get failed: offline? see $log); install them with: apt-get update && apt-get install -y $pkgs"
  fi
  rm -f "$log"
  left=$(missing_debs)
  [ -z "$left" ] || fail "apt-get installed ${pkgs} but ${left% } still lack their files; install them with: apt-get install -y --reinstall ${left% }"
  # Debian starts these on install; jujusim and the tests run their own.
  for svc in "${services[@]}"; do
    if [ -d "$root/run/systemd/system" ]; then
      systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "$root/etc/init.d/$svc" ]; then
      "$root/etc/init.d/$svc" stop >/dev/null 2>&1 || true
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  done
fi
echo "setup: done"
