#!/bin/sh
# ci-matrix.sh - builds and tests every configuration CI covers, each in its
# own build directory under build-ci/ (or $MPSC_CI_BUILD_ROOT):
#   gcc, clang          -Werror, every test;
#   tsan                clang -Db_sanitize=thread: the stress programs, the
#                       examples, the alloc and bad-input tests and the TSan
#                       canary, with MPSC_STRESS_SCALE lowered (Criterion,
#                       suite 'unit', cannot start under TSan);
#   asan                clang -Db_sanitize=address,undefined -Dfuzz=true:
#                       every test, then the libFuzzer target for
#                       $MPSC_FUZZ_SECONDS (default 60) seconds;
#   debug               -Dmpsc_debug=true, every test;
#   lto                 gcc -O3 with link-time optimisation, and -Werror when
#                       linking too: the library inlined into the programs
#                       that link it statically (tests/lto, the benchmarks),
#                       where GCC warns about paths that never run (chan.h,
#                       MPSC__HIDE); every test;
#   portable            -Dportable=true: the code other systems get instead
#                       of Linux's futex, sched_getcpu and anonymous mappings
#                       (src/park.c, src/pages.c), which no other
#                       configuration compiles; every test.
# Ends with one line: "ci-matrix: N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
root=${MPSC_CI_BUILD_ROOT:-build-ci}
fuzz_seconds=${MPSC_FUZZ_SECONDS:-60}
tsan_scale=${MPSC_TSAN_STRESS_SCALE:-0.25}
scale=1
passed=0
failed=0

# The figures the stress, alloc and bad-input programs print, from a log.
figures() {
    grep -hE '^(stress_[a-z]+|alloc_fail|bad_input|drop_alignment|rendezvous_timeout_race)[ :].*ok$|^  [a-z_]+ \(all flavors' "$1" 2>/dev/null || true
}

# run NAME CC "MESON-TEST-ARGS" SETUP-ARGS... : configure, build and test one
# configuration, with MPSC_STRESS_SCALE=$scale.  MESON-TEST-ARGS is split on
# spaces.
run() {
    name=$1
    compiler=$2
    test_args=$3
    shift 3
    echo "=== $name" >&2
    start=$(date +%s)
    rm -rf "${root:?}/$name"
    # shellcheck disable=SC2086 # test_args is a list of words
    if CC=$compiler meson setup "$root/$name" -Dwerror=true "$@" >"$root/$name.setup.log" 2>&1 &&
        meson compile -C "$root/$name" >"$root/$name.build.log" 2>&1 &&
        MPSC_STRESS_SCALE=$scale meson test -C "$root/$name" --no-rebuild --print-errorlogs --num-processes 2 $test_args; then
        passed=$((passed + 1))
        figures "$root/$name/meson-logs/testlog.txt"
        echo "=== $name: passed in $(($(date +%s) - start)) s" >&2
        return 0
    fi
    tail -n 50 "$root/$name.setup.log" "$root/$name.build.log" 2>/dev/null >&2 || true
    echo "=== $name: FAILED after $(($(date +%s) - start)) s" >&2
    failed=$((failed + 1))
    return 1
}

# fuzz: runs the asan configuration's libFuzzer target for fuzz_seconds on a
# scratch copy of the seed corpus (the committed one is never written).
fuzz() {
    echo "=== fuzz (${fuzz_seconds} s)" >&2
    corpus=$root/fuzz-corpus
    rm -rf "$corpus"
    mkdir -p "$corpus"
    log=$root/fuzz.log
    if ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$root/asan/tests/fuzz/fuzz_api" -max_total_time="$fuzz_seconds" -timeout=10 \
        -print_final_stats=1 "$corpus" tests/fuzz/corpus >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz: fuzz_api ran ${execs:-?} executions in ${fuzz_seconds} s with no failure"
        passed=$((passed + 1))
    else
        tail -n 60 "$log" >&2
        failed=$((failed + 1))
    fi
}

mkdir -p "$root"
run gcc gcc "" || true
run clang clang "" || true
scale=$tsan_scale
run tsan clang "--no-suite unit" -Db_sanitize=thread -Db_lundef=false || true
scale=1
if run asan clang "" -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true; then
    fuzz
fi
run debug gcc "" -Dmpsc_debug=true || true
run lto gcc "" -Dbuildtype=release -Db_lto=true -Dc_link_args=-Werror || true
run portable gcc "" -Dportable=true || true

echo "ci-matrix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
