#!/usr/bin/env bash
# A second PostgreSQL 15 server beside the machine's (same binaries, same pgvector), with the memory
# and WAL settings an operator would give a server holding 100k+ chunks: bench/ingest-steady.ts runs
# its arms against both, alternately, so "server settings untouched" and "tuned" are compared in one
# run. The settings are the ones README.md ("Running on a real PostgreSQL") recommends.
#
#   bash bench/tuned-server.sh start   # initdb (first time) and start on 127.0.0.1:5433
#   bash bench/tuned-server.sh stop    # stop it; its data stays in $DIR until `remove`
#   bash bench/tuned-server.sh remove  # stop and delete it
set -euo pipefail
BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DIR="${TUNED_PGDATA:-/tmp/la-bench-tuned-pg}"
PORT="${TUNED_PORT:-5433}"
RUN=()
[ "$(id -u)" = 0 ] && RUN=(runuser -u postgres --)

case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR" && [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      "${RUN[@]}" "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
      cat >>"$DIR/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
# Hold the HNSW index (870 MB at 114k chunks of 1536 dimensions) and the BM25 postings in PostgreSQL's own cache.
shared_buffers = 4GB
effective_cache_size = 12GB
maintenance_work_mem = 2GB
# Every HNSW insert rewrites ~30 neighbours' pages; spacing checkpoints out keeps each page's first
# change after a checkpoint (a full-page image in the WAL) rare, and compression shrinks the rest.
max_wal_size = 8GB
checkpoint_timeout = 15min
wal_compression = lz4
EOF
    fi
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start >/dev/null
    echo "tuned server: postgres://postgres@127.0.0.1:$PORT/postgres (data $DIR)"
    ;;
  stop) "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null || true ;;
  remove)
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop|remove" >&2; exit 2 ;;
esac
