#!/bin/sh
# test-all.sh - the README's second command, and what CI runs: installs what
# is missing, then builds and runs every test in every configuration
# (tools/ci-matrix.sh).
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh test
sh tools/ci-matrix.sh
