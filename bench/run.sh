#!/usr/bin/env bash
# run.sh - libmpsc against Rust std, crossbeam-channel, flume and Go on
# crossbeam-channel's workloads, side by side on this machine: installs what
# is missing, builds everything, calibrates N, runs every program interleaved
# for REPS rounds and writes the table of medians to bench/results/table.md.
# The method follows the project's benchmark anchors (shared/anchors/run.sh);
# see bench/README.md.
#
#   bench/run.sh                  everything, about 7 minutes on an idle 2-core machine
#   REPS=3 bench/run.sh           fewer interleaved rounds (default 5)
#   DEBUG_BUILD=DIR bench/run.sh  measure the debug build from an existing
#                                 Meson build directory (default: configure
#                                 build-bench/debug with -Dmpsc_debug=true;
#                                 DEBUG_BUILD=none skips it)
#   EXTRA_PEERS="a b" bench/run.sh  also run other programs with the same
#                                 command line (e.g. anchors' C peers)
#   LTO=0 bench/run.sh            build libmpsc without link-time optimisation
#   DISTURBED_PCT=10 RETRIES=2    re-run a timed run (up to RETRIES times)
#                                 while other work used more than that share
#                                 of the machine during it
#   NO_INSTALL=1 bench/run.sh     never call apt-get
#   BUILD_ONLY=1 bench/run.sh     build and stop
#
# Results (overwritten each run) in bench/results/: table.md (the summary),
# versions.txt, calibration.txt, raw.txt (every run), medians.txt, rss.txt,
# idle.txt, memory.txt, pinned.txt, stderr.txt.
set -uo pipefail

cd "$(dirname "$0")" || exit 1
BENCH=$(pwd)
ROOT=$(cd .. && pwd)
RES=$BENCH/results
BUILD=$ROOT/build-bench
REPS=${REPS:-5}
TARGET_MS=${TARGET_MS:-2000}
N0=${N0:-20000}
N_MIN=${N_MIN:-2000}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
RSS_REPS=${RSS_REPS:-3}
PIN_REPS=${PIN_REPS:-3}
PIN_N=${PIN_N:-1000000}
LTO=${LTO:-1}
NOMINAL_N=5000000
NOMINAL_ROUNDTRIPS=200000

CASES=(
  "seq unbounded" "seq boundedN"
  "spsc unbounded" "spsc bounded1000" "spsc bounded1" "spsc bounded0"
  "mpsc unbounded" "mpsc bounded1000" "mpsc bounded1" "mpsc bounded0"
  "pingpong unbounded" "pingpong bounded1000" "pingpong bounded1" "pingpong bounded0"
)
FLOOR_CASES=(ring1024 ringN cacheline)

log() { printf '[bench/run.sh] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------- packages --
# Debian's cargo is only needed when no cargo is installed (rustup's included).
[ -x "$HOME/.cargo/bin/cargo" ] && PATH=$HOME/.cargo/bin:$PATH
PKGS=(gcc libc6-dev meson ninja-build python3 golang-go librust-crossbeam-channel-dev librust-flume-dev time util-linux)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v cargo >/dev/null 2>&1 || missing+=(cargo)
if [ ${#missing[@]} -gt 0 ]; then
  [ -n "${NO_INSTALL:-}" ] && die "missing packages: ${missing[*]} (NO_INSTALL set)"
  log "installing: ${missing[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install failed"
fi

# ------------------------------------------------------------------- build --
mkdir -p "$BUILD" "$RES"
meson_build() { # dir options... : configure (or reconfigure) and build the bench programs
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$ROOT" "$@" >"$dir.setup.log" 2>&1
  else
    meson setup "$dir" "$ROOT" "$@" >"$dir.setup.log" 2>&1
  fi || { log "meson setup $dir failed, see $dir.setup.log"; return 1; }
  ninja -C "$dir" bench/bench_mpsc bench/floor bench/idle_cpu bench/memory_return >"$dir.build.log" 2>&1 \
    || { log "build of $dir failed, see $dir.build.log"; return 1; }
}
LTO_OPT=-Db_lto=false; [ "$LTO" = 1 ] && LTO_OPT=-Db_lto=true
log "building libmpsc (release: -O3, $LTO_OPT) into $BUILD/release"
meson_build "$BUILD/release" -Dbuildtype=release "$LTO_OPT" -Dtests=disabled -Dmpsc_debug=false || exit 1
REL=$BUILD/release/bench

DEBUG_BIN=
DEBUG_NOTE=
case ${DEBUG_BUILD:-} in
  none) DEBUG_NOTE="not measured (DEBUG_BUILD=none)" ;;
  "")
    log "building libmpsc's debug build (-Dmpsc_debug=true, otherwise the same) into $BUILD/debug"
    if meson_build "$BUILD/debug" -Dbuildtype=release "$LTO_OPT" -Dtests=disabled -Dmpsc_debug=true; then
      DEBUG_BIN=$BUILD/debug/bench/bench_mpsc
    else
      DEBUG_NOTE="not measured: the debug build (-Dmpsc_debug=true) did not build (see $BUILD/debug.build.log)"
    fi ;;
  *)
    ninja -C "$DEBUG_BUILD" bench/bench_mpsc >&2 || die "DEBUG_BUILD: cannot build bench/bench_mpsc in $DEBUG_BUILD"
    DEBUG_BIN=$(cd "$DEBUG_BUILD" && pwd)/bench/bench_mpsc ;;
esac

log "building the Go peer"
(cd peers/go && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$BUILD/gocache" GOPATH="$BUILD/gopath" \
  go build -o "$BUILD/go-peer" .) || die "go build failed"

log "building the Rust peers (offline, crates from /usr/share/cargo/registry)"
(cd peers/rust && cargo build --offline --release -q) || die "cargo build failed"

PEERS=("$REL/bench_mpsc")
[ -n "$DEBUG_BIN" ] && PEERS+=("$DEBUG_BIN")
PEERS+=("$BENCH/peers/rust/target/release/rust_std" "$BENCH/peers/rust/target/release/crossbeam"
        "$BENCH/peers/rust/target/release/flume" "$BUILD/go-peer")
for extra in ${EXTRA_PEERS:-}; do
  [ -x "$extra" ] || die "EXTRA_PEERS: $extra is not executable"
  PEERS+=("$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")")
done
[ -n "${BUILD_ONLY:-}" ] && { log "built"; exit 0; }

# ---------------------------------------------------------------- versions --
# Other work on the machine shows in the figures (a spinning hand-off loses
# its core), so the CPU time the rest of the machine uses just before and
# just after the measurements is recorded beside them.
busy_pct() { # percentage of all CPUs busy over one second, from /proc/stat
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f", busy + idle ? 100 * busy / (busy + idle) : 0 }'
}
# The guests' model name hides the CPU's generation (the project's AMD hosts
# all say "AMD EPYC"): family and model tell them apart.
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') (family $(grep -m1 'cpu family' /proc/cpuinfo | sed 's/.*: //') model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | sed 's/.*: //')), $(grep -m1 'cpu MHz' /proc/cpuinfo | sed 's/.*: //') MHz, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo "cpuidle: $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo unknown)"
  echo "libmpsc: commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src include meson.build 2>/dev/null || echo ' + uncommitted changes in src/'), $(cc --version | head -1), -O3 $LTO_OPT"
  echo "debug build: ${DEBUG_BIN:-$DEBUG_NOTE}"
  echo "rustc: $(rustc -V)"
  echo "crossbeam-channel: $(dpkg-query -W -f='${Version}' librust-crossbeam-channel-dev 2>/dev/null) (librust-crossbeam-channel-dev)"
  echo "flume: $(dpkg-query -W -f='${Version}' librust-flume-dev 2>/dev/null) (librust-flume-dev)"
  echo "go: $(go version) (GOMAXPROCS = nproc)"
  echo "reps: $REPS interleaved, target ${TARGET_MS} ms per run"
  echo "other work at start: $(busy_pct)% of all CPUs busy over 1 s before the first run"
} > "$RES/versions.txt"
cat "$RES/versions.txt" >&2
grep -q "^other work at start: [0-9]\{2,\}" "$RES/versions.txt" \
  && log "warning: the machine is busy with other work, which will distort the figures"

# ------------------------------------------------------------- calibration --
# As in the anchors' run.sh: per program and case, N starts at N0 and grows
# tenfold (up to 5,000,000 messages, 200,000 round trips for pingpong) while
# the next run is predicted to stay under TARGET_MS; a run over three times
# that steps back tenfold.  Programs that park in the kernel on every hand-off
# end with a small N, spinning ones at or near the nominal N (short runs would
# understate those: their first milliseconds are warm-up).  Before it stops
# short of the nominal N, it runs the same N once more and goes by the faster
# of the two: one run slowed by something the disturbance check below did not
# see (no other work in the guest, no steal counted; the host, most likely)
# once left a spinning program at N = 20,000, where start-up weighs.  Every
# round then uses the N found.
declare -A NAME NUSE
: > "$RES/calibration.txt"
: > "$RES/stderr.txt"

# measure CMD...: runs one timed program and sets OUT (its stdout), RC (its
# exit status) and OTHER (the CPU seconds that the rest of the machine used
# while it ran: all busy time in /proc/stat minus the program's own user and
# system time).  A run during which other work took more than DISTURBED_PCT
# of the machine, and at least 0.05 CPU seconds (the clock tick is 10 ms),
# counts as disturbed: measure_clean runs it again, up to RETRIES times, and
# DISTURBED says whether the run it kept was still disturbed.
NCPU=$(nproc)
HZ=$(getconf CLK_TCK)
DISTURBED_PCT=${DISTURBED_PCT:-10}
RETRIES=${RETRIES:-2}
cpu_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
measure() {
  local a b t0 t1
  a=$(cpu_busy_ticks); t0=$(date +%s%N)
  OUT=$(/usr/bin/time -f '%U %S' -o "$BUILD/time.txt" timeout "$RUN_TIMEOUT" "$@" 2>>"$RES/stderr.txt")
  RC=$?
  t1=$(date +%s%N); b=$(cpu_busy_ticks)
  read -r OTHER DISTURBED < <(tail -n 1 "$BUILD/time.txt" | awk -v a="$a" -v b="$b" -v hz="$HZ" \
      -v wall="$(( (t1 - t0) / 1000 ))" -v ncpu="$NCPU" -v pct="$DISTURBED_PCT" '{
        other = (b - a) / hz - ($1 + $2); if (other < 0) other = 0;
        printf "%.2f %d\n", other, (other >= 0.05 && other > pct / 100 * ncpu * wall / 1e6) }')
}
RETRIED=0
measure_clean() {
  local try
  for ((try = 0; ; try++)); do
    measure "$@"
    [ "$DISTURBED" = 1 ] && [ $RC -eq 0 ] && [ $try -lt "$RETRIES" ] || break
    RETRIED=$((RETRIED + 1))
  done
}

cal_verdict() { # ns_per_msg N next_N -> "up N", "down N" or "stop N"
  awk -v v="$1" -v n="$2" -v nx="$3" -v t="$TARGET_MS" -v nmin="$N_MIN" 'BEGIN {
      ms = v * n / 1e6;
      if (ms > 3 * t) { m = int(n / 10); if (m < nmin) m = nmin; print "down", m }
      else if (nx > n && ms * nx / n <= t) print "up", nx;
      else print "stop", n }'
}
calibrate() { # bin workload flavor -> sets CAL_N (a number, na or FAIL)
  local b=$1 w=$2 f=$3 nominal n next out v rc verdict
  nominal=$NOMINAL_N; [ "$w" = pingpong ] && nominal=$NOMINAL_ROUNDTRIPS
  n=$N0; [ "$n" -gt "$nominal" ] && n=$nominal
  while :; do
    measure_clean "$b" "$w" "$f" "$n"
    out=$OUT rc=$RC
    set -- $out
    [ $# -ge 4 ] && NAME[$b]=$1
    v=${4:-}
    if [ $rc -ne 0 ] || [ -z "$v" ]; then CAL_N=FAIL; break; fi
    if [ "$v" = "n/a" ]; then CAL_N=na; break; fi
    next=$((n * 10)); [ "$next" -gt "$nominal" ] && next=$nominal
    verdict=$(cal_verdict "$v" "$n" "$next")
    if [ "${verdict%% *}" != up ] && [ "$n" -lt "$nominal" ]; then
      echo "${NAME[$b]:-$(basename "$b")} $w $f N=$n ns=$v -> $verdict, run again" >> "$RES/calibration.txt"
      measure_clean "$b" "$w" "$f" "$n"
      set -- $OUT
      if [ $RC -eq 0 ] && [ -n "${4:-}" ] && [ "${4:-}" != n/a ]; then
        v=$(awk -v a="$v" -v b="$4" 'BEGIN { print (b < a ? b : a) }')
        verdict=$(cal_verdict "$v" "$n" "$next")
      fi
    fi
    echo "${NAME[$b]:-$(basename "$b")} $w $f N=$n ns=$v -> $verdict" >> "$RES/calibration.txt"
    set -- $verdict
    CAL_N=$2
    [ "$1" = up ] || break
    n=$2
  done
}
log "calibrating N per program and case (N0=$N0, target ${TARGET_MS} ms per run)"
for b in "${PEERS[@]}"; do
  for c in "${CASES[@]}"; do
    set -- $c
    calibrate "$b" "$1" "$2"
    NUSE[$b|$c]=$CAL_N
  done
done

# ------------------------------------------------------------------ rounds --
# Each round walks the cases and runs every program once per case, the order
# of the programs rotating from round to round.  raw.txt has one line per
# run: round, program, workload, flavor, N, figure, and the CPU seconds other
# work used meanwhile, starred when the run was still disturbed after
# RETRIES retries.
: > "$RES/raw.txt"
np=${#PEERS[@]}
for rep in $(seq 1 "$REPS"); do
  log "round $rep/$REPS"
  for fc in "${FLOOR_CASES[@]}"; do
    measure_clean "$REL/floor" "$fc"
    printf '%s\n' "$OUT" | awk -v r="$rep" -v o="$OTHER" -v d="$DISTURBED" \
      'NF==4 {print r, $1, $2, $3, "-", $4, o (d ? "*" : "")}' >> "$RES/raw.txt"
  done
  for c in "${CASES[@]}"; do
    set -- $c
    w=$1 f=$2
    for ((k = 0; k < np; k++)); do
      b=${PEERS[$(((k + rep - 1) % np))]}
      n=${NUSE[$b|$c]}
      name=${NAME[$b]:-$(basename "$b")}
      case $n in
        na) echo "$rep $name $w $f - n/a" >> "$RES/raw.txt"; continue ;;
        FAIL) echo "$rep $name $w $f - FAIL" >> "$RES/raw.txt"; continue ;;
      esac
      measure_clean "$b" "$w" "$f" "$n"
      v=$(printf '%s\n' "$OUT" | awk 'NR==1 {print $4}')
      if [ $RC -ne 0 ] || [ -z "$v" ]; then
        [ $RC -eq 124 ] && v=TIMEOUT || v=FAIL
        log "$name $w $f N=$n: $v (rc=$RC)"
      fi
      echo "$rep $name $w $f $n $v $OTHER$([ "$DISTURBED" = 1 ] && echo '*')" >> "$RES/raw.txt"
    done
  done
done

# --------------------------------------------------------------------- RSS --
# As in the anchors' run.sh: peak RSS (/usr/bin/time -v) of `seq unbounded`
# with N = 5,000,000 (all queued before the first receive) minus that with
# N = 1,000, over the difference in messages; median of RSS_REPS.
log "peak RSS of seq unbounded"
rss_of() { # bin args... -> max RSS in KiB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}
{
  echo "# program maxrss_kib(N=5000000) maxrss_kib(N=1000) bytes_per_queued_msg   (median of $RSS_REPS)"
  declare -A R_BIG R_SMALL
  for rep in $(seq 1 "$RSS_REPS"); do
    for b in "${PEERS[@]}"; do
      case ${NUSE[$b|seq unbounded]} in na|FAIL) continue ;; esac
      R_BIG[$b]+="$(rss_of "$b" seq unbounded 5000000) "
      R_SMALL[$b]+="$(rss_of "$b" seq unbounded 1000) "
    done
    R_BIG[floor]+="$(rss_of "$REL/floor" ringN 5000000) "
    R_SMALL[floor]+="$(rss_of "$REL/floor" ringN 1000) "
  done
  for b in "${PEERS[@]}" floor; do
    [ -n "${R_BIG[$b]:-}" ] || continue
    name=${NAME[$b]:-floor}
    [ "$b" = floor ] && name="floor(plain_array)"
    echo "$name ${R_BIG[$b]}| ${R_SMALL[$b]}" | awk '
      function med(s,   a, n, i, j, t) { n = split(s, a, " ");
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
        return a[int((n + 1) / 2)] }
      { split($0, parts, "|"); split(parts[1], h, " "); name = h[1]; sub(/^[^ ]+ /, "", parts[1]);
        big = med(parts[1]); small = med(parts[2]);
        printf "%s %d %d %.1f\n", name, big, small, (big - small) * 1024 / (5000000 - 1000) }'
  done
} > "$RES/rss.txt"

# ------------------------------------------------------------------ checks --
log "idle CPU of blocked threads, memory return after a burst"
{ "$REL/idle_cpu" 2>>"$RES/stderr.txt"; echo "exit $?"; } > "$RES/idle.txt"
{ "$REL/memory_return" 2>>"$RES/stderr.txt"; echo "exit $?"; } > "$RES/memory.txt"

# spsc bounded(1) with producer and consumer pinned to one core (taskset -c 0)
# against the same run unpinned, interleaved, for every program; N is the
# calibrated one, at most PIN_N.
log "pinned check: spsc bounded1 under taskset -c 0"
: > "$RES/pinned.txt"
# pinned_run ROUND NAME MODE N COMMAND...: runs COMMAND and adds its line to
# pinned.txt: round, program, mode, N, figure (TIMEOUT or FAIL), other work.
pinned_run() {
  local round=$1 name=$2 mode=$3 n=$4 v
  shift 4
  measure_clean "$@"
  v=$(printf '%s\n' "$OUT" | awk 'NR==1 {print $4}')
  if [ $RC -ne 0 ] || [ -z "$v" ]; then [ $RC -eq 124 ] && v=TIMEOUT || v=FAIL; fi
  echo "$round $name $mode $n $v $OTHER$([ "$DISTURBED" = 1 ] && echo '*')" >> "$RES/pinned.txt"
}
for rep in $(seq 1 "$PIN_REPS"); do
  for b in "${PEERS[@]}"; do
    n=${NUSE[$b|spsc bounded1]}
    case $n in na|FAIL) continue ;; esac
    [ "$n" -gt "$PIN_N" ] && n=$PIN_N
    name=${NAME[$b]:-$(basename "$b")}
    for mode in unpinned pinned; do
      pre=(); [ $mode = pinned ] && pre=(taskset -c 0)
      pinned_run "$rep" "$name" $mode "$n" "${pre[@]}" "$b" spsc bounded1 "$n"
    done
  done
  # The least a message of bounded(1) costs on one core: two context switches.
  pinned_run "$rep" "floor(yield)" pinned 200000 taskset -c 0 "$REL/floor" yield 200000
done

# ------------------------------------------------------------------ tables --
{
  echo "other work at end: $(busy_pct)% of all CPUs busy over 1 s after the last run"
  echo "disturbed runs: $RETRIED retried (other work over ${DISTURBED_PCT}% of the machine), $(awk '$NF ~ /\*$/' "$RES/raw.txt" "$RES/pinned.txt" | wc -l) kept still disturbed after $RETRIES retries"
} >> "$RES/versions.txt"
python3 "$BENCH/tabulate.py" "$RES" || die "tabulate.py failed"
cat "$RES/table.md"
log "done: results in $RES"
