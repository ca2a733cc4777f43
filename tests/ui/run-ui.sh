#!/bin/sh
# run-ui.sh - runs one UI test of the debug build, as rustc's tests/ui does:
# the program must end as its source says (by default killed by SIGABRT)
# and its stderr, normalised, must equal the .stderr file beside it.
#
# usage: run-ui.sh [--bless] PROGRAM SOURCE.c EXPECTED.stderr
# --bless (or MPSC_UI_BLESS=1) rewrites EXPECTED.stderr with what the program
# printed; with Meson: meson test -C build --suite ui --test-args=--bless
#
# Directives in SOURCE.c, one per line:
#   //@ status: abort | N      how the program must end (default: abort)
#   //@ env: NAME=VALUE        set for the program (repeatable)
#
# Normalised: paths up to tests/ui/ (they depend on the build directory),
# addresses (0x...), and the trace's times.
set -u

bless=0
case "${MPSC_UI_BLESS-}" in 1 | yes | true) bless=1 ;; esac
prog='' src='' expected=''
for arg; do
    case $arg in
    --bless) bless=1 ;;
    *)
        if [ -z "$prog" ]; then prog=$arg
        elif [ -z "$src" ]; then src=$arg
        else expected=$arg
        fi
        ;;
    esac
done
if [ -z "$expected" ]; then
    echo "usage: $0 [--bless] PROGRAM SOURCE.c EXPECTED.stderr" >&2
    exit 2
fi

want_status=$(sed -n 's|^//@ status: *||p' "$src" | head -n 1)
[ -n "$want_status" ] || want_status=abort
[ "$want_status" = abort ] && want_status=134 # 128 + SIGABRT, as the shell reports it

# The environment directives, one NAME=VALUE per line.
envs=$(sed -n 's|^//@ env: *||p' "$src")

tmp=${TMPDIR:-/tmp}/mpsc-ui.$$
trap 'rm -f "$tmp.err" "$tmp.norm"' EXIT INT TERM

# No core files from the expected aborts.
ulimit -c 0 2>/dev/null
(
    IFS='
'
    for kv in $envs; do export "$kv"; done
    exec "$prog"
) 2>"$tmp.err" >/dev/null
status=$?

sed -e 's|[A-Za-z0-9_./-]*tests/ui/|tests/ui/|g' \
    -e 's|0x[0-9a-fA-F][0-9a-fA-F]*|0x<address>|g' \
    -e 's|"time":[0-9.]*|"time":<time>|g' \
    "$tmp.err" >"$tmp.norm"

if [ "$bless" = 1 ]; then
    cp "$tmp.norm" "$expected"
    echo "blessed $expected"
fi

fail=0
if [ "$status" != "$want_status" ]; then
    echo "$prog: exit status $status, expected $want_status" >&2
    fail=1
fi
if ! diff -u "$expected" "$tmp.norm" >&2; then
    echo "$prog: stderr differs from $expected (run with --bless to accept it)" >&2
    fail=1
fi
exit $fail
