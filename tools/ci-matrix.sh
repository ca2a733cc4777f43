#!/bin/sh
# ci-matrix.sh - builds and tests every configuration CI covers, each in its
# own build directory under build-ci/, and ends with one summary line.
set -eu
cd "$(dirname "$0")/.."
root=build-ci
passed=0
failed=0

# run NAME SETUP-ARGS... : configure, build and test one configuration.
run() {
    name=$1
    shift
    echo "=== $name" >&2
    rm -rf "$root/$name"
    if meson setup "$root/$name" -Dwerror=true "$@" >"$root/$name.setup.log" 2>&1 &&
        meson compile -C "$root/$name" >"$root/$name.build.log" 2>&1 &&
        meson test -C "$root/$name" --print-errorlogs --num-processes 2; then
        passed=$((passed + 1))
    else
        tail -n 50 "$root/$name.setup.log" "$root/$name.build.log" 2>/dev/null >&2 || true
        failed=$((failed + 1))
    fi
}

mkdir -p "$root"
CC=gcc run gcc
CC=clang run clang

echo "ci-matrix: configurations: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
