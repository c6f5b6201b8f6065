#!/usr/bin/env bash
# Whole-process benchmarks for docs/performance.md, run side by side:
#   - the seed's calc link: gcc by hand, a minimal exec shim, ccache,
#     libtool --mode=link and solink (cold and warm cache);
#   - solink against gcc by hand, alternating, for the overhead ratio;
#   - resolution at scale (libs x dirs) in --dry-run, and peak memory;
#   - the in-process benches (cargo bench).
# Needs hyperfine, ccache and libtool (Debian: hyperfine ccache libtool-bin).
#
#   scripts/bench.sh [RUNS]        (RUNS defaults to 100)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-100}
for tool in hyperfine ccache libtool python3 gcc ar; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool is missing (apt-get install hyperfine ccache libtool-bin)" >&2; exit 2; }
done

cargo build --release --quiet --example genbench
# The build Makefile.example makes: statically linked.
make --no-print-directory -f Makefile.example solink
WORK=$(mktemp -d /tmp/solink-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# An installed copy, as users run it: the file the linker has just written
# sits in the page cache in small pieces, and exec'ing it takes more page
# faults (90 against 77) and 0.2 ms more than a copy of the same bytes.
SOLINK=$WORK/solink
install -m 755 "$PWD/target/$(rustc -vV | sed -n 's/^host: //p')/release/solink" "$SOLINK"
export XDG_CACHE_HOME=$WORK/cache CCACHE_DIR=$WORK/ccache

echo "## Machine"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "$(gcc --version | head -1); $(ld --version | head -1); $(hyperfine --version)"
echo

# The seed's workspace: calc.o and libcalcbase.a, both PIC.
WS=fixtures/workspace/prod/calc/libsrc
mkdir -p "$WORK/calc/lib"
gcc -fPIC -O2 -c "$WS/calcbase/calcbase.c" -o "$WORK/calc/calcbase.o"
ar rcs "$WORK/calc/lib/libcalcbase.a" "$WORK/calc/calcbase.o"
gcc -fPIC -O2 -I"$WS/calcbase" -c "$WS/calc/calc.c" -o "$WORK/calc/calc.o"
rustc -O -o "$WORK/shim" "$REPO/scripts/shim.rs"
cd "$WORK/calc"

BYHAND="gcc -shared -o libcalc.so calc.o lib/libcalcbase.a -lm"
VIA="$SOLINK --libsdir lib --cc gcc -shared -o libcalc.so calc.o -lcalcbase -lm"
$VIA  # warms solink's cache
echo "## The seed's calc link ($RUNS runs each)"
hyperfine -N --warmup 5 --runs "$RUNS" --style basic --export-markdown "$WORK/link.md" \
  -n "gcc by hand" "$BYHAND" \
  -n "minimal exec shim" "$WORK/shim $BYHAND" \
  -n "ccache" "ccache $BYHAND" \
  -n "libtool --mode=link" "libtool --quiet --tag=CC --mode=link gcc -o libcalc.la calc.o lib/libcalcbase.a -lm -rpath /usr/local/lib" \
  -n "solink (warm cache)" "$VIA" \
  -n "gcc -print-search-dirs" "gcc -print-search-dirs" >/dev/null
cat "$WORK/link.md"
# A --prepare given once applies to every command, so the cold case runs alone.
hyperfine -N --warmup 5 --runs "$RUNS" --style basic --export-markdown "$WORK/cold.md" \
  --prepare "rm -rf $XDG_CACHE_HOME" -n "solink (cold cache)" "$VIA" >/dev/null
tail -n 1 "$WORK/cold.md"
$VIA  # warm again
echo

echo "## Overhead, alternating runs"
# Past direct mode's settling time (100 ms), so the same link again is
# replayed from its entry, as it is in a build.
sleep 1
$VIA
python3 "$REPO/scripts/alternate.py" "$RUNS" "$BYHAND" "$VIA"
echo "The floor, the minimal exec shim, measured the same way:"
python3 "$REPO/scripts/alternate.py" "$RUNS" "$BYHAND" "$WORK/shim $BYHAND"
echo "A relink after an edit: calc.o touched before every command:"
TOUCH="$WORK/calc/calc.o" python3 "$REPO/scripts/alternate.py" "$RUNS" "$BYHAND" "$VIA"
echo

echo "## A ggml-shaped link (four archives, OpenMP and C++), alternating runs"
# tests/support/verified.rs builds the same archives for the load tests.
F=$REPO/fixtures/verified
mkdir -p "$WORK/ggml/lib" "$WORK/ggml/obj"
cd "$WORK/ggml"
for spec in "llama:ggml/llama.cpp" "ggml:ggml/ggml.c ggml/ggml_backend.c" \
            "ggml-cpu:ggml/ggml_cpu.cpp" "ggml-base:ggml/ggml_base.c"; do
  lib=${spec%%:*} objs=
  for src in ${spec#*:}; do
    obj=obj/$lib-$(basename "${src%.*}").o
    case $src in *.cpp) cc=g++ ;; *) cc=gcc ;; esac
    $cc -c -O1 -fPIC -fopenmp -o "$obj" "$F/$src"
    objs="$objs $obj"
  done
  ar rcs "lib/lib$lib.a" $objs
done
gcc -c -fPIC -DENTRY=llama_entry -o entry.o "$F/entry.c"
GGML_BYHAND="g++ -shared -o libadapter.so entry.o -Llib -Wl,--start-group lib/libllama.a lib/libggml.a lib/libggml-cpu.a lib/libggml-base.a -Wl,--end-group -lgomp"
GGML_VIA="$SOLINK --cc g++ -shared -o libadapter.so entry.o -Llib -lllama -lggml -lggml-cpu -lggml-base"
$GGML_VIA  # warms the cache
python3 "$REPO/scripts/alternate.py" "$RUNS" "$GGML_BYHAND" "$GGML_VIA"
echo

echo "## Resolution at scale (--dry-run, warm cache, $RUNS runs each)"
cd "$WORK"
for spec in "10 10 20" "100 64 200" "1000 64 2000" "5000 256 10000" "10000 64 20000"; do
  set -- $spec
  "$REPO/target/release/examples/genbench" scale "$WORK/scale-$1x$2" "$1" "$2" "$3"
  (cd "$WORK/scale-$1x$2" && "$SOLINK" --dry-run --cc gcc @args.rsp >/dev/null)
done
hyperfine -N --warmup 3 --runs "$RUNS" --style basic --export-markdown "$WORK/scale.md" \
  -n "10 libs x 10 dirs" "$SOLINK --dry-run --cc gcc @$WORK/scale-10x10/args.rsp" \
  -n "100 x 64" "$SOLINK --dry-run --cc gcc @$WORK/scale-100x64/args.rsp" \
  -n "1000 x 64" "$SOLINK --dry-run --cc gcc @$WORK/scale-1000x64/args.rsp" \
  -n "5000 x 256" "$SOLINK --dry-run --cc gcc @$WORK/scale-5000x256/args.rsp" \
  -n "10000 x 64" "$SOLINK --dry-run --cc gcc @$WORK/scale-10000x64/args.rsp" >/dev/null
cat "$WORK/scale.md"
echo
printf 'Peak RSS, 1000 x 64: '
/usr/bin/time -f '%M KB' "$SOLINK" --dry-run --cc gcc "@$WORK/scale-1000x64/args.rsp" 2>&1 >/dev/null | tail -1
echo

echo "## In-process (cargo bench)"
cd "$REPO"
cargo bench --quiet --bench pipeline 2>/dev/null
