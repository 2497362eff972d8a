#!/usr/bin/env bash
# cargo deny (advisories, licences, sources, bans; policy in deny.toml) fully offline, against the
# RustSec advisory-db snapshot in ../shared/advisory-db (data files only, no git). cargo-deny
# opens its database only as a git checkout named after the upstream URL, so this copies the
# snapshot into a throwaway git repository under /tmp on every run and points deny.toml's
# db-path at it. Needs cargo-deny and the fetched crates: run scripts/setup.sh once first.
#
#   scripts/deny.sh [CHECK...]     # advisories | bans | licenses | sources (default: all)
#
# Environment:
#   HALE_ADVISORY_DB   the snapshot to use (default: <repo>/../shared/advisory-db)
#   HALE_DENY_GRAPHS   1 shows each finding's inclusion graph (off: ~50 duplicate-version
#                      warnings would make it thousands of lines)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$HALE_ROOT"

if ! command -v cargo-deny >/dev/null; then
  echo "cargo-deny is not installed: run scripts/setup.sh" >&2
  exit 1
fi

# The snapshot sits beside the project checkout. A CI clone may live elsewhere, so its origin
# (the checkout it was cloned from) is looked beside too.
candidates=("${HALE_ADVISORY_DB:-}" "$HALE_ROOT/../shared/advisory-db")
origin="$(git -C "$HALE_ROOT" config --get remote.origin.url 2>/dev/null || true)"
if [ -n "$origin" ] && [ -d "$origin" ]; then
  candidates+=("$origin/../shared/advisory-db")
fi
src=""
for c in "${candidates[@]}"; do
  if [ -n "$c" ] && [ -d "$c/crates" ]; then src="$c"; break; fi
done
if [ -z "$src" ]; then
  if [ -n "${HALE_ADVISORY_DB:-}" ]; then
    echo "no advisory database at $HALE_ADVISORY_DB (expected the RustSec advisory-db data files)" >&2
    exit 1
  fi
  # Licences, sources and bans need no database: check them, and say loudly what was not.
  log "WARNING: no advisory-db snapshot found (set HALE_ADVISORY_DB); advisories NOT checked"
  # deny.toml names the database directory even when advisories are not checked.
  HALE_ADVISORY_DBS="$(mktemp -d "${TMPDIR:-/tmp}/hale-advisory-dbs.XXXXXX")"
  export HALE_ADVISORY_DBS
  trap 'rm -rf "$HALE_ADVISORY_DBS"' EXIT
  cargo deny --frozen check --show-stats --hide-inclusion-graph bans licenses sources
  exit 0
fi

snapshot="$(head -n 1 "$src/SNAPSHOT" 2>/dev/null || echo "unknown snapshot")"
log "cargo deny against advisory-db: $snapshot"
# Offline, cargo-deny's own staleness check sees our fresh copy as just fetched, so warn here.
snap_date="$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' <<<"$snapshot" | head -n 1 || true)"
if [ -n "$snap_date" ]; then
  age_days=$(( ( $(date +%s) - $(date -d "$snap_date" +%s) ) / 86400 ))
  if [ "$age_days" -gt 90 ]; then
    log "warning: the advisory snapshot is $age_days days old; newer advisories are not checked"
  fi
fi

# deny.toml reads db-path from HALE_ADVISORY_DBS; the directory name is cargo-deny's name for
# the default database URL (https://github.com/rustsec/advisory-db).
HALE_ADVISORY_DBS="$(mktemp -d "${TMPDIR:-/tmp}/hale-advisory-dbs.XXXXXX")"
export HALE_ADVISORY_DBS
trap 'rm -rf "$HALE_ADVISORY_DBS"' EXIT
db="$HALE_ADVISORY_DBS/advisory-db-3157b0e258782691"
cp -R "$src" "$db"
git -C "$db" init -q
git -C "$db" add -A
git -C "$db" -c user.name=hale-ci -c user.email=ci@hale.invalid -c commit.gpgsign=false \
  commit -q --no-verify -m "$snapshot"

graphs=(--hide-inclusion-graph)
if [ "${HALE_DENY_GRAPHS:-0}" = 1 ]; then graphs=(); fi
# --frozen: no network (advisory db, crates, index) and Cargo.lock must not change.
cargo deny --frozen check --show-stats "${graphs[@]}" "$@"
