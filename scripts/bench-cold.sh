#!/usr/bin/env bash
# Cold links (issue 34 §3 and §6), for docs/performance.md: each solink
# run starts with an empty cache, against the same link by hand, side by
# side:
#   - a 121 MB archive of position-independent objects (115 members, each
#     a 1 MiB constant table and a function, as nvcc's fatbins make
#     libggml-cuda.a that size), every member pulled, as a CUDA backend's
#     shared library pulls its kernels;
#   - the seed's calc link (calc.o and libcalcbase.a, -lm).
# Each is timed by hand, through this tree's solink, and through BEFORE
# when it is given (another build of solink, e.g. main's), with
# hyperfine, --warmup 2 --runs RUNS (CALC_RUNS for the calc link, whose
# 13 ms need more), every run after a --prepare that
# empties the caches, in two rounds of opposite order (a busy machine's
# drift shows as a difference between rounds, not as one command's cost);
# medians per round and of both, and the ratios to the link by hand. It
# also counts the files a cold calc link writes into the cache.
# Needs hyperfine (Debian: apt-get install hyperfine), gcc, ar, python3.
#
#   [BEFORE=/path/to/solink] scripts/bench-cold.sh [RUNS] [CALC_RUNS]   (defaults 15, 100)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-15}
CALC_RUNS=${2:-100}
for tool in hyperfine gcc ar python3; do
  command -v "$tool" >/dev/null || { echo "bench-cold.sh: $tool is missing (apt-get install hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet
WORK=$(mktemp -d /tmp/solink-bench-cold.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Installed copies, as users run them (scripts/bench.sh says why).
install -m 755 target/release/solink "$WORK/after"
NAMES=("after")
if [ -n "${BEFORE:-}" ]; then
  install -m 755 "$BEFORE" "$WORK/before"
  NAMES=("before" "after")
fi

echo "## Machine"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SHA extensions: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
echo "$(gcc --version | head -1); $(ld --version | head -1); $(hyperfine --version)"
echo

# The big archive: 115 members of 1 MiB, each its own symbols.
mkdir -p "$WORK/fat"
cd "$WORK/fat"
cat > blob.c <<'EOF'
#define CAT(a, b) a##b
#define NAME(a, b) CAT(a, b)
const unsigned char NAME(blob, N)[1 << 20] = {N % 251 + 1};
int NAME(f, N)(int i) { return NAME(blob, N)[i & 0xfffff] + N; }
EOF
{
  echo 'int entry(int i) { int s = 0;'
  for i in $(seq 0 114); do
    gcc -fPIC -O2 -DN="$i" -c blob.c -o "m$i.o"
    echo "extern int f$i(int); s += f$i(i);"
  done
  echo 'return s; }'
} > all.c
ar rcs libfat.a m*.o
rm m*.o
gcc -fPIC -O2 -c all.c -o all.o
echo "## Inputs"
echo "libfat.a: $(stat -c %s libfat.a) bytes, $(ar t libfat.a | wc -l) members"

# The seed's calc link, as scripts/bench.sh builds it.
WS=$REPO/fixtures/workspace/prod/calc/libsrc
mkdir -p "$WORK/calc/lib"
gcc -fPIC -O2 -c "$WS/calcbase/calcbase.c" -o "$WORK/calc/calcbase.o"
ar rcs "$WORK/calc/lib/libcalcbase.a" "$WORK/calc/calcbase.o"
gcc -fPIC -O2 -I"$WS/calcbase" -c "$WS/calc/calc.c" -o "$WORK/calc/calc.o"
# Settled inputs: a cold link stores its direct-mode answer too.
sleep 1

cd "$WORK/calc"
SOLINK_CACHE_DIR=$WORK/count "$WORK/after" --libsdir lib --cc gcc -shared -o libcalc.so calc.o -lcalcbase -lm
echo "a cold calc link, this tree: $(ls "$WORK"/count/solink-v2-*/ | grep -cv CACHEDIR.TAG) cache file(s)"
if [ -n "${BEFORE:-}" ]; then
  SOLINK_CACHE_DIR=$WORK/count-before "$WORK/before" --libsdir lib --cc gcc -shared -o libcalc.so calc.o -lcalcbase -lm
  echo "a cold calc link, BEFORE: $(ls "$WORK"/count-before/solink-v2-*/ | grep -cv CACHEDIR.TAG) cache file(s)"
fi
echo

# bench NAME RUNS DIR BYHAND SOLINK-ARGS: two rounds, then the medians.
bench() {
  local label=$1 runs=$2 dir=$3 byhand=$4 args=$5
  cd "$dir"
  local cmds=(-n "by hand" "$byhand")
  for n in "${NAMES[@]}"; do
    cmds+=(-n "$n" "$WORK/$n --cache-dir $WORK/cache-$n $args")
  done
  local rev=()
  for ((i = ${#cmds[@]} - 3; i >= 0; i -= 3)); do rev+=("${cmds[@]:i:3}"); done
  local prep="rm -rf $WORK/cache-before $WORK/cache-after"
  hyperfine -N --warmup 2 --runs "$runs" --style none --prepare "$prep" \
    --export-json "$WORK/$label-forward.json" "${cmds[@]}" >/dev/null 2>&1
  hyperfine -N --warmup 2 --runs "$runs" --style none --prepare "$prep" \
    --export-json "$WORK/$label-reverse.json" "${rev[@]}" >/dev/null 2>&1
  echo "### $label (hyperfine -N --warmup 2 --runs $runs, cache emptied before every run, two rounds)"
  echo "by hand: \`$byhand\`; solink: \`solink --cache-dir DIR $args\`"
  echo
  python3 - "$WORK/$label-forward.json" "$WORK/$label-reverse.json" <<'PY'
import json, statistics, sys
rounds = [{r["command"]: r["times"] for r in json.load(open(p))["results"]} for p in sys.argv[1:]]
names = list(rounds[0])
ms = lambda t: f"{1000 * t:.1f} ms"
base = statistics.median(rounds[0]["by hand"] + rounds[1]["by hand"])
print("| command | median, forward | median, reverse | median, both | min-max, both | / by hand |")
print("|---|---|---|---|---|---|")
for n in names:
    both = rounds[0][n] + rounds[1][n]
    m = statistics.median(both)
    print(f"| {n} | {ms(statistics.median(rounds[0][n]))} | {ms(statistics.median(rounds[1][n]))} "
          f"| **{ms(m)}** | {ms(min(both))}-{ms(max(both))} | **{m / base:.3f}** |")
for i, label in enumerate(["forward", "reverse"]):
    b = statistics.median(rounds[i]["by hand"])
    print(f"  {label} round alone: " + ", ".join(
        f"{n} / by hand {statistics.median(rounds[i][n]) / b:.3f}" for n in names if n != "by hand"))
PY
  echo
}

bench "121 MB archive, cold" "$RUNS" "$WORK/fat" "gcc -shared -o fat.so all.o -L. -lfat" \
  "--cc gcc -shared -o fat.so all.o -L. -lfat"
bench "calc link, cold" "$CALC_RUNS" "$WORK/calc" "gcc -shared -o libcalc.so calc.o lib/libcalcbase.a -lm" \
  "--libsdir lib --cc gcc -shared -o libcalc.so calc.o -lcalcbase -lm"
