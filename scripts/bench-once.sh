#!/usr/bin/env bash
# Issue 34 §7 ("each thing once"), for docs/performance.md: solink BEFORE
# (a git revision; by default where this branch left main, so that only
# the branch's changes are measured) and the working tree's, side by side,
# every run cold (the cache emptied before each):
#   - 1,000 `-l` names that no directory holds, `--dry-run`: the time solink
#     spends resolving them (no ld runs; ld would fail on the first name).
#     The floor is the same command with SOLINK_DISABLE=1, which prints it
#     unchanged and searches nothing (run through env, one exec more);
#   - a 5,000-member archive (`genbench members`: every member taken):
#     solink's own time (`--dry-run`), and the whole link against gcc by
#     hand;
#   - the same two with --dry-run under callgrind (instructions, repeatable
#     on a loaded machine), when valgrind is installed;
#   - the seed's calc link, cold, and the 1,000 names: how many times
#     solink itself opens each input and each directory (strace).
# hyperfine -N --warmup 2 --runs RUNS, two rounds in opposite orders (a
# busy machine's drift then shows as a difference between the rounds, not
# as a cost of one command); medians per round and of both together.
# Both builds are `cargo build --release`, installed by copy (bench.sh says
# why). SOLINK_BEFORE=PATH uses a binary already built for BEFORE.
# Needs hyperfine (Debian: apt-get install hyperfine), gcc, ar, python3;
# strace and valgrind for their sections.
#
#   scripts/bench-once.sh [RUNS] [BEFORE]    (defaults: 20 and git merge-base HEAD main)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-20}
BEFORE=${2:-$(git merge-base HEAD main)}
for tool in hyperfine gcc ar python3; do
  command -v "$tool" >/dev/null || { echo "bench-once.sh: $tool is missing (apt-get install hyperfine)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/solink-bench-once.XXXXXX)
cleanup() {
  git -C "$REPO" worktree remove --force "$WORK/before-src" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --release --quiet
cargo build --release --quiet --example genbench
install -m 755 target/release/solink "$WORK/solink-after"
if [ -n "${SOLINK_BEFORE:-}" ]; then
  install -m 755 "$SOLINK_BEFORE" "$WORK/solink-before"
  BEFORE="$SOLINK_BEFORE"
else
  # Its own target directory: the same sources at another path are
  # another package to cargo, and must not replace target/release/solink.
  git worktree add --quiet --detach "$WORK/before-src" "$BEFORE"
  cargo build --release --quiet --manifest-path "$WORK/before-src/Cargo.toml" \
    --target-dir "$REPO/target/bench-before"
  install -m 755 target/bench-before/release/solink "$WORK/solink-before"
  BEFORE="$BEFORE ($(git -C "$REPO" rev-parse --short "$BEFORE"))"
fi
OLD=$WORK/solink-before NEW=$WORK/solink-after
export SOLINK_CACHE_DIR=$WORK/cache
COLD="rm -rf $WORK/cache"

echo "## Machine"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(gcc --version | head -1); $(ld --version | head -1); $(hyperfine --version)"
echo "before: $BEFORE; after: the working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', modified'))"
echo

# Prints the medians of two hyperfine rounds (JSON files) for NAMES, and
# each name's ratio to the first.
medians() {
  python3 - "$@" <<'EOF'
import json, statistics, sys
files, names = sys.argv[1:3], sys.argv[3:]
rounds = [{r["command"]: r["times"] for r in json.load(open(p))["results"]} for p in files]
ms = lambda t: f"{1000 * t:.1f} ms"
print("| command | median, forward | median, reverse | median, both | min-max, both |")
print("|---|---|---|---|---|")
both = {}
for n in names:
    times = rounds[0][n] + rounds[1][n]
    both[n] = statistics.median(times)
    print(f"| {n} | {ms(statistics.median(rounds[0][n]))} | {ms(statistics.median(rounds[1][n]))} "
          f"| **{ms(both[n])}** | {ms(min(times))}-{ms(max(times))} |")
print()
for n in names[1:]:
    per = [statistics.median(r[n]) / statistics.median(r[names[0]]) for r in rounds]
    print(f"{n} / {names[0]}: {both[n] / both[names[0]]:.3f} (rounds {per[0]:.3f}, {per[1]:.3f})")
EOF
}

# Two hyperfine rounds over NAME COMMAND pairs, cold, the second reversed.
rounds() {
  local tag=$1
  shift
  local forward=() reverse=()
  while [ $# -gt 0 ]; do
    forward+=(-n "$1" "$2")
    reverse=(-n "$1" "$2" "${reverse[@]}")
    shift 2
  done
  hyperfine -N --warmup 2 --runs "$RUNS" --style none --prepare "$COLD" \
    --export-json "$WORK/$tag-forward.json" "${forward[@]}" >/dev/null
  hyperfine -N --warmup 2 --runs "$RUNS" --style none --prepare "$COLD" \
    --export-json "$WORK/$tag-reverse.json" "${reverse[@]}" >/dev/null
}

# The inputs: an object, an empty -L dir, the 1,000 names; the 5,000
# members; the seed's calc workspace.
"$REPO/target/release/examples/genbench" members "$WORK/many" 5000 >/dev/null
mkdir -p "$WORK/miss/lib" "$WORK/calc/lib"
cp "$WORK/many/use.o" "$WORK/miss/use.o"
NAMES=$(for i in $(seq 0 999); do printf -- '-lnowhere%d ' "$i"; done)
WS=fixtures/workspace/prod/calc/libsrc
gcc -fPIC -O2 -c "$WS/calcbase/calcbase.c" -o "$WORK/calc/calcbase.o"
ar rcs "$WORK/calc/lib/libcalcbase.a" "$WORK/calc/calcbase.o"
gcc -fPIC -O2 -I"$WS/calcbase" -c "$WS/calc/calc.c" -o "$WORK/calc/calc.o"

echo "## 1,000 -l names that no directory holds, cold, --dry-run ($RUNS runs x 2 rounds)"
cd "$WORK/miss"
MISS="--dry-run --cc gcc -shared -o libx.so use.o -Llib $NAMES"
# The same command line from both, and each name said once.
[ "$($OLD $MISS 2>/dev/null)" = "$($NEW $MISS 2>/dev/null)" ] || { echo "bench-once.sh: before and after differ" >&2; exit 1; }
said=$($NEW $MISS 2>&1 >/dev/null | grep -c 'ld will not find it')
echo "each run says 'ld will not find it' $said times"
rounds miss "before" "$OLD $MISS" "after" "$NEW $MISS" "floor (SOLINK_DISABLE=1)" "env SOLINK_DISABLE=1 $NEW $MISS"
medians "$WORK/miss-forward.json" "$WORK/miss-reverse.json" "before" "after" "floor (SOLINK_DISABLE=1)"
echo

echo "## A 5,000-member archive, cold ($RUNS runs x 2 rounds)"
cd "$WORK/many"
echo "archive: $(stat -c %s lib/libmany.a) bytes, $(ar t lib/libmany.a | wc -l) members"
BYHAND="gcc -shared -o by-hand.so use.o lib/libmany.a"
LINK="--cc gcc -shared -o through.so use.o -Llib -lmany"
$BYHAND && $OLD $LINK && $NEW $LINK
for so in by-hand through; do
  printf '%s.so: %d m_ functions exported\n' "$so" "$(nm -D --defined-only "$so.so" | grep -c ' T m_')"
done
[ "$($OLD --dry-run $LINK)" = "$($NEW --dry-run $LINK)" ] || { echo "bench-once.sh: before and after differ" >&2; exit 1; }
echo "### solink's own time (--dry-run)"
rounds many-dry "before" "$OLD --dry-run $LINK" "after" "$NEW --dry-run $LINK"
medians "$WORK/many-dry-forward.json" "$WORK/many-dry-reverse.json" "before" "after"
echo "### The whole link"
rounds many "gcc by hand" "$BYHAND" "before" "$OLD $LINK" "after" "$NEW $LINK"
medians "$WORK/many-forward.json" "$WORK/many-reverse.json" "gcc by hand" "before" "after"
echo

if command -v valgrind >/dev/null; then
  echo "## Instructions (callgrind, one cold --dry-run each)"
  count() {
    rm -rf "$WORK/cache"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
      | sed -n 's/.*refs: *//p'
  }
  echo "| link | before | after |"
  echo "|---|---|---|"
  cd "$WORK/miss"
  echo "| 1,000 missing names | $(count $OLD $MISS) | $(count $NEW $MISS) |"
  cd "$WORK/many"
  echo "| 5,000-member archive | $(count $OLD --dry-run $LINK) | $(count $NEW --dry-run $LINK) |"
  echo
fi

if command -v strace >/dev/null; then
  echo "## What solink itself opens, cold (strace, solink's process alone)"
  # Opens of a path that is an input or a library directory, by solink
  # (O_NONBLOCK: the loader's and the driver's opens have none).
  opens() {
    rm -rf "$WORK/cache"
    strace -qq -e trace=openat -o "$WORK/trace" "$@" >/dev/null 2>&1 || true
    grep O_NONBLOCK "$WORK/trace" | grep -v "$WORK/cache" | sed -n 's/^openat([^"]*"\([^"]*\)".*/\1/p' | sort | uniq -c
  }
  summary() {
    awk '{n += $1; if ($1 > most) {most = $1; what = $2}} END {printf "%d opens of %d paths; most %d (%s)", n, NR, most, what}'
  }
  cd "$WORK/calc"
  CALC="--libsdir lib --cc gcc -shared -o libcalc.so calc.o -lcalcbase -lm"
  for b in before after; do
    bin=$OLD; [ $b = after ] && bin=$NEW
    echo "calc link, $b: $(opens "$bin" $CALC | awk '$2 == "calc.o" || $2 == "lib/libcalcbase.a" {printf "%s %dx; ", $2, $1}')"
  done
  cd "$WORK/miss"
  for b in before after; do
    bin=$OLD; [ $b = after ] && bin=$NEW
    echo "1,000 missing names, $b: $(opens "$bin" $MISS | summary)"
  done
fi
