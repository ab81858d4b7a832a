#!/usr/bin/env bash
# Builds pgvector 0.8.0 from Debian trixie's source package into the local PostgreSQL 15.
# Debian bookworm ships no pgvector binary for PG 15; the trixie source builds cleanly in seconds.
set -euo pipefail
PGHOST_ADDR="${PGHOST_ADDR:-127.0.0.1}"
if psql -h "$PGHOST_ADDR" -U postgres -d postgres -tAc "select 1 from pg_available_extensions where name='vector'" | grep -q 1; then
  echo "pgvector already available"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq postgresql-server-dev-15 build-essential dpkg-dev >/dev/null
if ! grep -rqs "trixie" /etc/apt/sources.list.d/trixie-src.list; then
  echo "deb-src http://deb.debian.org/debian trixie main" | $SUDO tee /etc/apt/sources.list.d/trixie-src.list >/dev/null
  $SUDO apt-get update -qq
fi
work=$(mktemp -d)
( cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1 || apt-get source pgvector )
dir=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
( cd "$dir" && make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config OPTFLAGS="" && $SUDO make -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config )
rm -rf "$work"
echo "pgvector installed"
