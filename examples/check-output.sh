#!/bin/sh
# check-output.sh - runs one example and compares what it prints on stdout
# with what its Rust original prints (examples/expected/NAME.txt).  Fails
# when the program exits with another status than 0 or prints anything else.
#
# usage: check-output.sh exact|unordered EXPECTED PROGRAM [SED-SCRIPT]
#   exact       line for line: the Rust program's order is fixed;
#   unordered   as a sorted multiset of lines: the order depends on how the
#               threads are scheduled;
#   SED-SCRIPT  applied to the printed lines before they are compared, to
#               hide a detail that scheduling decides (which worker took a
#               task); EXPECTED then holds the rewritten lines.
set -u

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 exact|unordered EXPECTED PROGRAM [SED-SCRIPT]" >&2
    exit 2
fi
order=$1
expected=$2
program=$3
script=${4:-}
case $order in
exact | unordered) ;;
*)
    echo "$0: unknown order '$order' (exact or unordered)" >&2
    exit 2
    ;;
esac

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

"$program" >"$tmp/printed"
status=$?
if [ "$status" -ne 0 ]; then
    echo "$program exited with status $status; it printed:"
    cat "$tmp/printed"
    exit 1
fi

if [ -n "$script" ]; then
    sed -e "$script" "$tmp/printed" >"$tmp/got" || exit 2
else
    cp "$tmp/printed" "$tmp/got" || exit 2
fi
cp "$expected" "$tmp/want" || exit 2
if [ "$order" = unordered ]; then
    LC_ALL=C sort "$tmp/got" >"$tmp/got.sorted" && mv "$tmp/got.sorted" "$tmp/got" || exit 2
    LC_ALL=C sort "$tmp/want" >"$tmp/want.sorted" && mv "$tmp/want.sorted" "$tmp/want" || exit 2
fi

if ! diff -u "$tmp/want" "$tmp/got"; then
    echo "$program: output differs ($order) from $expected (- expected, + printed)"
    exit 1
fi
echo "$program: output matches $expected ($order)"
