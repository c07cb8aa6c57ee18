#!/usr/bin/env bash
# Installs the real servers and tools the product and its tests run against, into a cache
# outside the repo. Idempotent: every step is skipped when its result is already there.
# Nothing here is downloaded from anywhere but the Go module proxy and Debian's archive.
set -euo pipefail

CACHE="${PITR_CACHE:-$HOME/.cache/pitr}"
BIN="$CACHE/bin"
MYSQL_DIR="$CACHE/mysql-9.7"
# The second MariaDB release beside the system's 10.11: restores run each backup on its own release.
MARIADB_NEXT_DIR="$CACHE/mariadb-11.8"
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

# Server trees Debian sid packages but bookworm's glibc cannot run: downloaded with a private apt
# configuration (an empty status file, so apt resolves the whole dependency closure from sid and
# no library is pinned by hand), unpacked into DIR/root, never installed into the system.
# DIR/usr is the tree as its tools expect it: bin/ and sbin/ hold one wrapper per program that
# runs it through the unpacked loader and libraries, share/ and lib/ point into the unpacked tree.
# So DIR/usr serves as a --basedir, and as a restore host's `servers[].basedir`.
debian_mirror() {
  local mirror=${PITR_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | sed -nE 's#^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)(https?://[^ ]+/debian)/?([[:space:]].*)?$#\3#p' | head -1 || true)
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt to fetch server packages from: set PITR_DEBIAN_MIRROR (e.g. PITR_DEBIAN_MIRROR=http://deb.debian.org/debian) and retry"
  printf '%s' "$mirror"
}

tree_missing() { # dir files...
  local dir=$1 f missing=""
  shift
  for f in "$@"; do [ -e "$dir/usr/$f" ] || missing="$missing usr/$f"; done
  printf '%s' "${missing# }"
}

sid_tree() { # name dir "packages" files (relative to usr/)...
  local name=$1 dir=$2 want=$3
  shift 3
  if stamp_ok "$dir/root" "$want" && [ -z "$(tree_missing "$dir" "$@")" ]; then return 0; fi
  say "fetching $name from Debian sid into $dir (unpacked, not installed)"
  local mirror
  mirror=$(debian_mirror)
  rm -rf "$dir/root" "$dir/usr"
  mkdir -p "$dir/lists/partial" "$dir/debs/partial" "$dir/root"
  : >"$dir/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$dir/sources.list"
  local O=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::archives=$dir/debs"
           -o "Dir::State::status=$dir/status" -o APT::Install-Recommends=false -o Debug::NoLocking=1)
  # shellcheck disable=SC2086 # $want is a list of package names
  if ! { apt-get "${O[@]}" update && apt-get "${O[@]}" install --download-only -y $want; } >"$dir/fetch.log" 2>&1; then
    tail -20 "$dir/fetch.log" >&2
    die "downloading $name packages from Debian sid failed (log: $dir/fetch.log). Check the network to the Debian mirror and retry."
  fi
  for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
  wrapped_usr "$dir"
  local missing
  missing=$(tree_missing "$dir" "$@")
  [ -z "$missing" ] || die "the $name packages ($want) from $mirror lack $missing (unpacked in $dir/root); the packages may have been renamed or split in sid: find the one that ships it with 'apt-file search' or packages.debian.org and add it to the package list in $0"
  echo "$want" >"$dir/root.stamp"
}

wrapped_usr() { # dir
  local R="$1/root" U="$1/usr" f
  mkdir -p "$U/bin" "$U/sbin"
  ln -sfn "$R/usr/share" "$U/share"
  ln -sfn "$R/usr/lib" "$U/lib"
  for f in "$R"/usr/bin/* "$R"/usr/sbin/*; do
    local to="$U/${f#"$R"/usr/}"
    if [ "$(head -c 4 "$f" 2>/dev/null)" = $'\x7fELF' ]; then
      printf '#!/bin/sh\nexec "%s/usr/lib64/ld-linux-x86-64.so.2" --library-path "%s/usr/lib/x86_64-linux-gnu:%s/lib/x86_64-linux-gnu" "%s" "$@"\n' \
        "$R" "$R" "$R" "$f" >"$to"
      chmod +x "$to"
    else
      ln -sfn "$f" "$to" # scripts such as mariadb-install-db find the wrappers beside them through --basedir
    fi
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
sid_tree "MySQL 9.7" "$MYSQL_DIR" "mysql-server-core mysql-client-core" \
  sbin/mysqld bin/mysql bin/mysqldump bin/mysqlbinlog lib/mysql/plugin/mysql_clone.so
sid_tree "MariaDB 11.8" "$MARIADB_NEXT_DIR" "mariadb-server-core mariadb-client mariadb-backup" \
  sbin/mariadbd bin/mariadb bin/mariadb-dump bin/mariadb-binlog bin/mariadb-backup bin/mariadb-install-db
wait $t_pid || die "Temporal CLI build failed"
wait $m_pid || die "MinIO build failed"
trap - EXIT INT TERM
"$MYSQL_DIR/usr/sbin/mysqld" --version >/dev/null || die "the unpacked mysqld does not run; remove $MYSQL_DIR and retry"
"$MARIADB_NEXT_DIR/usr/sbin/mariadbd" --version >/dev/null || die "the unpacked mariadbd does not run; remove $MARIADB_NEXT_DIR and retry"
say "ready in $CACHE"
