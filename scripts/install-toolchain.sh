#!/usr/bin/env bash
# Installs the real servers and tools the product and its tests run against, into a cache
# outside the repo. Idempotent: every step is skipped when its result is already there.
# Nothing here is downloaded from anywhere but the Go module proxy and Debian's archive.
set -euo pipefail

CACHE="${PITR_CACHE:-$HOME/.cache/pitr}"
BIN="$CACHE/bin"
MYSQL_DIR="$CACHE/mysql-9.7"
TEMPORAL_VERSION="v1.5.1"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
mkdir -p "$BIN"

say() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

stamp_ok() { [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]; }

need_go() {
  command -v go >/dev/null 2>&1 || die "the Go toolchain is missing (needed to build the Temporal CLI and MinIO). Install Go 1.22+ (e.g. 'apt-get install golang' or /usr/local/go) and run this again."
}

go_tool() { # name module version
  local name=$1 module=$2 version=$3
  go_tool_ok "$name" "$module" "$version" && return 0
  say "building $name from $module@$version (first run only; takes a few minutes)"
  if ! GOBIN="$BIN" go install "$module@$version" >"$CACHE/$name.build.log" 2>&1; then
    tail -20 "$CACHE/$name.build.log" >&2
    die "building $name failed (full log: $CACHE/$name.build.log). Check that the Go module proxy is reachable ('go env GOPROXY') and retry."
  fi
  echo "$module@$version" >"$BIN/$name.stamp"
}

apt_install() { # packages...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    local instead="run this as root, or install them first: apt-get install ${missing[*]}"
    command -v sudo >/dev/null 2>&1 || die "installing ${missing[*]} needs root, and sudo is not installed: $instead"
    sudo -n true >/dev/null 2>&1 || die "installing ${missing[*]} needs root, and sudo asks for a password: give this user passwordless sudo, or $instead"
    sudo="sudo"
  fi
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >"$CACHE/apt.log" 2>&1; then
    tail -20 "$CACHE/apt.log" >&2
    die "installing ${missing[*]} from Debian's archive failed (log: $CACHE/apt.log). Check the apt sources and network, then retry."
  fi
}

# What the product runs from the MySQL tree; a package renamed or split in sid must fail here.
MYSQL_FILES="usr/sbin/mysqld usr/bin/mysql usr/bin/mysqldump usr/bin/mysqlbinlog usr/lib/mysql/plugin/mysql_clone.so"

mysql_tree_missing() {
  local f missing=""
  for f in $MYSQL_FILES; do [ -e "$MYSQL_DIR/root/$f" ] || missing="$missing $f"; done
  printf '%s' "${missing# }"
}

mysql_tree() {
  local want="mysql-server-core mysql-client-core"
  if stamp_ok "$MYSQL_DIR/root" "$want" && [ -z "$(mysql_tree_missing)" ]; then return 0; fi
  say "fetching MySQL 9.7 from Debian sid into $MYSQL_DIR (unpacked, not installed)"
  local mirror
  mirror=${PITR_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | sed -nE 's#^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)(https?://[^ ]+/debian)/?([[:space:]].*)?$#\3#p' | head -1 || true)
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt to fetch MySQL packages from: set PITR_DEBIAN_MIRROR (e.g. PITR_DEBIAN_MIRROR=http://deb.debian.org/debian) and retry"
  rm -rf "$MYSQL_DIR/root"
  mkdir -p "$MYSQL_DIR/lists/partial" "$MYSQL_DIR/debs/partial" "$MYSQL_DIR/root"
  : >"$MYSQL_DIR/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$MYSQL_DIR/sources.list"
  local O=(-o "Dir::Etc::SourceList=$MYSQL_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o "Dir::State::Lists=$MYSQL_DIR/lists" -o "Dir::Cache::archives=$MYSQL_DIR/debs"
           -o "Dir::State::status=$MYSQL_DIR/status" -o APT::Install-Recommends=false -o Debug::NoLocking=1)
  if ! { apt-get "${O[@]}" update && apt-get "${O[@]}" install --download-only -y $want; } >"$MYSQL_DIR/fetch.log" 2>&1; then
    tail -20 "$MYSQL_DIR/fetch.log" >&2
    die "downloading MySQL packages from Debian sid failed (log: $MYSQL_DIR/fetch.log). Check the network to the Debian mirror and retry."
  fi
  for f in "$MYSQL_DIR"/debs/*.deb; do dpkg -x "$f" "$MYSQL_DIR/root"; done
  local missing
  missing=$(mysql_tree_missing)
  [ -z "$missing" ] || die "the MySQL packages ($want) from $mirror lack $missing (unpacked in $MYSQL_DIR/root); the packages may have been renamed or split in sid: find the one that ships it with 'apt-file search' or packages.debian.org and add it to 'want' in $0"
  echo "$want" >"$MYSQL_DIR/root.stamp"
}

# Small wrappers so every MySQL tool runs through the unpacked loader and libraries.
mysql_wrappers() {
  local R="$MYSQL_DIR/root" tool
  for tool in mysqld:usr/sbin/mysqld mysql:usr/bin/mysql mysqldump:usr/bin/mysqldump mysqlbinlog:usr/bin/mysqlbinlog mysqladmin:usr/bin/mysqladmin; do
    local name=${tool%%:*} path=${tool#*:}
    cat >"$MYSQL_DIR/$name" <<W
#!/bin/sh
exec "$R/usr/lib64/ld-linux-x86-64.so.2" --library-path "$R/usr/lib/x86_64-linux-gnu:$R/lib/x86_64-linux-gnu" "$R/$path" "\$@"
W
    chmod +x "$MYSQL_DIR/$name"
  done
}

go_tool_ok() { stamp_ok "$BIN/$1" "$2@$3" && [ -x "$BIN/$1" ]; }
go_tool_ok temporal github.com/temporalio/cli/cmd/temporal "$TEMPORAL_VERSION" \
  && go_tool_ok minio github.com/minio/minio "$MINIO_VERSION" || need_go
apt_install zstd mariadb-backup mariadb-server mariadb-client
# Each build in its own process group (set -m), so a failure here stops it with all the
# compilers it runs instead of leaving them building into $BIN for minutes.
set -m
go_tool temporal github.com/temporalio/cli/cmd/temporal "$TEMPORAL_VERSION" &
t_pid=$!
go_tool minio github.com/minio/minio "$MINIO_VERSION" &
m_pid=$!
set +m
trap 'kill -- -$t_pid -$m_pid 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
mysql_tree
mysql_wrappers
wait $t_pid || die "Temporal CLI build failed"
wait $m_pid || die "MinIO build failed"
trap - EXIT INT TERM
"$MYSQL_DIR/mysqld" --version >/dev/null || die "the unpacked mysqld does not run; remove $MYSQL_DIR and retry"
say "ready in $CACHE"
