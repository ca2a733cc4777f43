#!/bin/sh
# install-deps.sh - installs with apt-get the Debian packages that the given
# purpose needs and that are missing: "examples" (a compiler, Meson, Ninja)
# or "test" (also clang, its sanitizer runtimes and Criterion).
set -eu
case "${1:-examples}" in
examples) pkgs="gcc libc6-dev meson ninja-build pkg-config" ;;
test) pkgs="gcc libc6-dev meson ninja-build pkg-config clang libclang-rt-14-dev libcriterion-dev" ;;
*) echo "usage: $0 examples|test" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "install-deps: installing:$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
