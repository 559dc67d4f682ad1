#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with AFL++ through cargo-afl (see
# docs/reliability.md). Installs cargo-afl from crates.io when missing (its
# install builds AFL++ from source), builds the harness in
# crates/deephash-fuzz/afl (its own workspace: the normal build never needs it)
# and fuzzes each target for AFL_SECONDS (default 600), or until about AFL_EXECS
# executions when that is set (AFL_SECONDS then caps the time), from the committed corpus
# crates/deephash-fuzz/corpus/<target>/. AFL_TARGETS=npy,dhc,... to choose
# (default: every target of the harness). Results in
# crates/deephash-fuzz/afl/out/<target>/ (crashes/, hangs/, fuzzer_stats); the
# script prints executions, paths (corpus count), edges found and crashes per
# target and fails when any target crashed or hung (AFL_TIMEOUT_MS per input,
# default 2000: generous, the machine may be shared; a saved hang counts only
# when its input still runs past 10 s replayed alone).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
harness=crates/deephash-fuzz/afl
seconds=${AFL_SECONDS:-600}
targets=${AFL_TARGETS:-npy,dhc,index,mat5,list,code_text,image,multipart}
limit=(-V "$seconds")
[ -n "${AFL_EXECS:-}" ] && limit+=(-E "$AFL_EXECS")

command -v cargo-afl >/dev/null || cargo install cargo-afl --locked
# `cargo afl config --build` is only needed when the install did not build AFL++
# (it refuses to run again once AFL++ is built for this compiler).
ls "${XDG_DATA_HOME:-$HOME/.local/share}"/afl.rs/rustc-*/afl.rs-*/afl/bin/afl-fuzz >/dev/null 2>&1 ||
    cargo afl config --build
(cd "$harness" && cargo afl build --release)
bin=$root/$harness/target/release/deephash-afl

# No core-dump pipe and no CPU-frequency check on a shared machine.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1

status=0
mkdir -p "$root/$harness/out"
summary=$root/$harness/out/summary.md
printf '| target | seconds | executions | execs/s | paths | edges | crashes | hangs saved | hangs on replay |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n' >"$summary"
for target in ${targets//,/ }; do
    out=$root/$harness/out/$target
    rm -rf "$out"
    mkdir -p "$out"
    cargo afl fuzz "${limit[@]}" -t "${AFL_TIMEOUT_MS:-2000}" -i "$root/crates/deephash-fuzz/corpus/$target" -o "$out" \
        -- "$bin" "$target" >"$out.log" 2>&1 || { echo "$target: afl-fuzz failed (see $out.log)"; status=1; continue; }
    stats=$out/default/fuzzer_stats
    get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    crashes=$(get saved_crashes)
    hangs=$(get saved_hangs)
    # On a loaded machine an input can pass AFL's time limit by waiting for a
    # core: a hang counts only when it still runs past 10 s when replayed alone.
    confirmed=0
    for input in "$out"/default/hangs/id*; do
        [ -e "$input" ] || continue
        timeout 10 "$bin" "$target" <"$input" >/dev/null 2>&1 && continue
        [ $? = 124 ] && confirmed=$((confirmed + 1))
    done
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "$(get run_time)" "$(get execs_done)" \
        "$(get execs_per_sec)" "$(get corpus_count)" "$(get edges_found)" "$crashes" "$hangs" "$confirmed" \
        >>"$summary"
    [ "$crashes" = 0 ] && [ "$confirmed" = 0 ] || status=1
done
cat "$summary"
exit $status
