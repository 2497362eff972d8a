#!/usr/bin/env bash
# Fuzz with cargo-fuzz: the Bluetooth health-profile decoders (hale-domain's `device` module),
# the hospital server's first step with an upload (FHIR JSON to resources and readings,
# `fhir_ingest`), and the decoding of every IPC command's arguments (`ipc_args`). Every target
# in fuzz/fuzz_targets/ runs for SECONDS (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each Bluetooth target decodes one characteristic's value and, when it decodes, takes it on
# through readings, threshold assessment and the FHIR Observation round trip (fuzz/src/lib.rs;
# the JSON targets' checks are fuzz/src/ingest.rs and fuzz/src/ipc.rs). The
# script prints, per target, the time run, libFuzzer's execution count and coverage, and exits
# non-zero if any target crashed (the crashing input is in fuzz/artifacts/<target>/).
#
# Why RUSTC_BOOTSTRAP=1: cargo-fuzz builds with AddressSanitizer by passing `-Zsanitizer=address`
# in RUSTFLAGS, and `-Z` flags are refused by a stable rustc ("the option `Z` is only accepted
# on the nightly compiler"). Hale builds with the stable toolchain only; RUSTC_BOOTSTRAP=1 makes
# stable rustc accept unstable flags, the sanitizer among them. Everything else cargo-fuzz
# passes (-Cpasses=sancov-module, -Cllvm-args=-sanitizer-coverage-*, --cfg fuzzing) is stable:
# HALE_FUZZ_SANITIZER=none builds without ASan and without any nightly flag (about 6x the
# executions per second; the decoders are safe Rust, so panics are what is hunted either way).
#
# Why CARGO_CACHE_RUSTC_INFO=0: cargo caches rustc's target-info probe in the target directory
# without keying it on RUSTC_BOOTSTRAP, so one build attempt without it (the "only accepted on
# nightly" failure) is replayed from the cache on every later build even with it set.
#
# Environment:
#   HALE_FUZZ_SANITIZER  address (default) | none
#   HALE_FUZZ_WORK       where grown corpora and logs go (default: ${TMPDIR:-/tmp}/hale-fuzz);
#                        the seeds in fuzz/corpus/<target>/ are read, never written
#   CARGO_TARGET_DIR     build directory if set; otherwise target/fuzz (instrumented builds must
#                        not share the workspace's target directory)
#   CARGO_BUILD_JOBS     build parallelism, as for cargo
set -euo pipefail

user_target_dir="${CARGO_TARGET_DIR:-}"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
export CARGO_TARGET_DIR="${user_target_dir:-$HALE_ROOT/target/fuzz}"
export RUSTC_BOOTSTRAP=1
export CARGO_CACHE_RUSTC_INFO=0

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds-per-target] [target...]" >&2
  exit 2
fi
shift || true
sanitizer="${HALE_FUZZ_SANITIZER:-address}"
work="${HALE_FUZZ_WORK:-${TMPDIR:-/tmp}/hale-fuzz}"
fuzz_dir="$HALE_ROOT/fuzz"
cd "$HALE_ROOT"

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  # 0.13.2 builds with the workspace's stable toolchain.
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list --fuzz-dir "$fuzz_dir")
fi

log "building the fuzz targets (sanitizer: $sanitizer, into $CARGO_TARGET_DIR)"
# One build for all targets (debug assertions and overflow checks on, the cargo-fuzz default).
cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer "$sanitizer"

mkdir -p "$work/logs"
summary=()
crashed=()
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  logfile="$work/logs/$target.log"
  mkdir -p "$corpus"
  # A characteristic value is at most a few dozen bytes; FHIR and IPC JSON is longer.
  case $target in
    fhir_ingest | ipc_args) max_len=4096 ;;
    *) max_len=64 ;;
  esac
  log "$target: ${seconds}s (corpus $corpus, log $logfile)"
  # New inputs go to the first corpus directory (under $work); the seeds are only read.
  status=0
  cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer "$sanitizer" "$target" \
    "$corpus" "$fuzz_dir/corpus/$target" -- \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -print_final_stats=1 \
    >"$logfile" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile" | tail -n 1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second(s)$/\1/p' "$logfile" | tail -n 1)
  cov=$(grep -aEo 'cov: [0-9]+ ft: [0-9]+' "$logfile" | tail -n 1 || true)
  if [[ $status -ne 0 ]] || grep -q -e '^==[0-9]*==ERROR' -e 'panicked at' "$logfile"; then
    crashed+=("$target")
    grep -E -m 5 -e 'panicked at' -e '^==[0-9]*==ERROR' -e 'SUMMARY' "$logfile" >&2 || true
    grep -E -e 'Test unit written to' -e '^Failing input' -A 2 "$logfile" >&2 || true
    summary+=("$(printf '%-16s %6s %12s  %-22s %s' "$target" "${took:--}" "${runs:--}" \
      "${cov:--}" "CRASH (exit $status)")")
  else
    summary+=("$(printf '%-16s %6s %12s  %-22s %s' "$target" "${took:--}" "${runs:--}" \
      "${cov:--}" "ok")")
  fi
  echo "${summary[-1]}"
done

echo
printf '%-16s %6s %12s  %-22s %s\n' target seconds executions coverage result
printf '%s\n' "${summary[@]}"
if [[ ${#crashed[@]} -gt 0 ]]; then
  echo "crashed: ${crashed[*]} (inputs in $fuzz_dir/artifacts/, logs in $work/logs/)" >&2
  exit 1
fi
log "no crashes"
