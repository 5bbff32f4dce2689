#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   scripts/postgres.sh          start it (or reuse the one already running) and
#                                print its SQLAlchemy URL, the only line on stdout
#   scripts/postgres.sh stop     stop it
#
# The cluster lives in ${YUSUAN_PG_DIR:-/tmp/yusuan-pg} (data/, the unix socket,
# postgres.log), listens only on 127.0.0.1:${YUSUAN_PG_PORT:-54329}, trusts every
# local connection and runs with fsync off: it is for tests, never for real data.
# When the server binaries are missing it installs Debian's `postgresql` package.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# system user (created when missing). All diagnostics go to stderr.
set -euo pipefail

PGROOT=${YUSUAN_PG_DIR:-/tmp/yusuan-pg}
PORT=${YUSUAN_PG_PORT:-54329}
DB=yusuan_test
DATA="$PGROOT/data"
LOG="$PGROOT/postgres.log"
ACTION=${1:-start}

log() { echo "$*" >&2; }
die() {
  log "无法启动 PostgreSQL：$*"
  if [ -s "$LOG" ]; then
    log "—— $LOG 的最后几行 ——"
    tail -n 20 "$LOG" >&2 || true
  fi
  exit 1
}

case "$ACTION" in
  start|stop) ;;
  *) log "用法：$0 [start|stop]"; exit 2 ;;
esac
case "$PORT" in
  ''|*[!0-9]*) log "YUSUAN_PG_PORT 不是端口号：$PORT"; exit 2 ;;
esac
case "$PGROOT" in
  /*) ;;
  *) PGROOT="$(pwd)/$PGROOT"; DATA="$PGROOT/data"; LOG="$PGROOT/postgres.log" ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# The directory holding initdb, pg_ctl and postgres: Debian keeps them in
# /usr/lib/postgresql/VERSION/bin (newest version wins), elsewhere they are on PATH.
find_bindir() {
  local d
  for d in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -rV); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    d=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  fi
  return 1
}

install_postgresql() {
  command -v apt-get >/dev/null 2>&1 || die "找不到 PostgreSQL 服务器程序（initdb/pg_ctl），也没有 apt-get 可以安装它"
  log "安装 Debian 软件包：postgresql"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql)
  if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    $SUDO apt-get update -qq >&2 || die "apt-get update 失败"
  elif $SUDO "${install[@]}" >&2; then
    return 0
  else
    log "安装失败，先 apt-get update 再试一次"
    $SUDO apt-get update -qq >&2 || die "apt-get update 失败"
  fi
  $SUDO "${install[@]}" >&2 || die "apt-get install postgresql 失败"
}

# The server's OS user, who is also the database superuser in the URL.
if [ "$(id -u)" -eq 0 ]; then
  PGUSER_OS=postgres
else
  PGUSER_OS=$(id -un)
fi

# Run a command as the server's user, from a directory that user can enter.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$PGUSER_OS" -- "$@")
  else
    (cd / && "$@")
  fi
}

# The same for the command that leaves the server running: it gets no file descriptor
# but stdin/stdout/stderr, so it holds no caller's pipe (a `$(…)` or a CI log) open.
as_pg_detached() {
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
    done
    as_pg "$@"
  )
}

if ! BINDIR=$(find_bindir); then
  if [ "$ACTION" = stop ]; then
    log "没有安装 PostgreSQL，无需停止"
    exit 0
  fi
  install_postgresql
  BINDIR=$(find_bindir) || die "安装了 postgresql 软件包，仍找不到 initdb/pg_ctl"
fi
PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL=$(command -v psql || true)

# The server's user: the Debian package creates `postgres`; make it if it is missing.
if [ "$(id -u)" -eq 0 ] && ! id -u "$PGUSER_OS" >/dev/null 2>&1; then
  log "创建系统用户 $PGUSER_OS"
  useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$PGUSER_OS" \
    || die "无法创建系统用户 $PGUSER_OS"
fi

server_running() {
  [ -f "$DATA/PG_VERSION" ] && as_pg "$BINDIR/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

if [ "$ACTION" = stop ]; then
  if server_running; then
    as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2 || { log "无法停止 PostgreSQL（$DATA）"; exit 1; }
  else
    log "PostgreSQL（$DATA）没有在运行"
  fi
  exit 0
fi

# --- start --------------------------------------------------------------------
mkdir -p "$PGROOT" || die "无法创建目录 $PGROOT"
if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U "$PGROOT")" != "$PGUSER_OS" ]; then
  # Hand it to the server's user, but only a directory this script made (or an empty one).
  for f in "$PGROOT"/* "$PGROOT"/.[!.]*; do
    [ -e "$f" ] || continue
    case "${f##*/}" in data|postgres.log|initdb.log|lock|.s.PGSQL.*) ;; *) die "$PGROOT 里有别的文件，不像是本脚本建的目录：$f" ;; esac
  done
  chown -R "$PGUSER_OS:" "$PGROOT" || die "无法把 $PGROOT 交给用户 $PGUSER_OS"
fi
chmod 0700 "$PGROOT" 2>/dev/null || true
as_pg test -w "$PGROOT" || die "用户 $PGUSER_OS 无法写入 $PGROOT（它的上级目录要能被该用户进入）"

# One caller at a time (parallel test workers may all ask for the server).
# The lock's file descriptor must not leak into the server, or it would hold the lock for ever.
exec 9>>"$PGROOT/lock"
flock -w 120 9 || die "等待 $PGROOT/lock 超时"

# The major version, as the data directory's PG_VERSION spells it ("pg_ctl (PostgreSQL) 15.18 (Debian …)").
version=$("$BINDIR/pg_ctl" --version | awk '{print $3}')
version=${version%%.*}
version=${version%%[!0-9]*}
if server_running; then
  running_port=$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)
  if [ "$running_port" != "$PORT" ] || [ "$(cat "$DATA/PG_VERSION")" != "$version" ]; then
    log "PostgreSQL 正在端口 ${running_port:-?} 上运行，换到端口 $PORT 重新启动"
    as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2 9>&- || die "无法停止旧的服务器"
  else
    log "沿用已在运行的 PostgreSQL（$DATA，端口 $PORT）"
  fi
fi

if ! server_running; then
  # A throwaway cluster: one left half made, or made by another server version, is made anew.
  if [ -d "$DATA" ] && [ "$(cat "$DATA/PG_VERSION" 2>/dev/null)" != "$version" ]; then
    log "重建数据目录 $DATA"
    rm -rf "$DATA"
  fi
  if [ ! -d "$DATA" ]; then
    log "初始化数据目录 $DATA（PostgreSQL $version）"
    as_pg "$BINDIR/initdb" -D "$DATA" --username="$PGUSER_OS" --auth=trust \
      --encoding=UTF8 --no-locale --no-sync >"$PGROOT/initdb.log" 2>&1 9>&- \
      || { cat "$PGROOT/initdb.log" >&2; rm -rf "$DATA"; die "initdb 失败"; }
  fi
  log "启动 PostgreSQL（127.0.0.1:$PORT）"
  opts="-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='$PGROOT'"
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_pg_detached "$BINDIR/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "$opts" </dev/null >&2 \
    || die "pg_ctl start 失败（端口 $PORT 可能已被占用，可用 YUSUAN_PG_PORT 换一个）"
fi

# Ready to take connections, and the test database exists.
[ -n "$PSQL" ] || die "找不到 psql"
psql_q() { as_pg "$PSQL" -X -q -h "$PGROOT" -p "$PORT" -U "$PGUSER_OS" -d postgres -v ON_ERROR_STOP=1 -Atc "$1" 9>&-; }
for _ in $(seq 1 60); do
  psql_q "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done
exists=$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$DB'") || die "无法连接到 127.0.0.1:$PORT 上的服务器"
if [ "$exists" != 1 ]; then
  log "创建数据库 $DB"
  psql_q "CREATE DATABASE $DB" >&2 || die "无法创建数据库 $DB"
fi

echo "postgresql+psycopg://$PGUSER_OS@127.0.0.1:$PORT/$DB"
