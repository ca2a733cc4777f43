#!/bin/sh
# run-examples.sh - the README's first command: installs what is missing,
# builds libmpsc and its examples, and runs each example against the output
# its Rust original prints.
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh examples
[ -d build ] || meson setup build
meson compile -C build
meson test -C build --suite examples --print-errorlogs
