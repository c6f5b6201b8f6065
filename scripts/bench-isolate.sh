#!/usr/bin/env bash
# What --isolate costs on a llama.cpp-sized link (issue 35 §6), for
# docs/performance.md's isolation section: the ggml-shaped archives of
# fixtures/verified/ggml (C++, OpenMP, a cycle between archives), grown by
# examples/genbench.rs to MEGABYTES MB in all, linked into one shared
# object with -lgomp three ways, side by side:
#   - g++ by hand (a group around the four archives, as the cycle needs);
#   - solink, the same link;
#   - solink --isolate, every archive a private copy.
# hyperfine, --warmup 2 --runs RUNS, two rounds in opposite orders (a busy
# machine's drift then shows as a difference between the rounds, not as a
# cost of one command); medians per round and of both rounds together.
# Needs hyperfine (Debian: apt-get install hyperfine), g++, python3.
#
#   scripts/bench-isolate.sh [MEGABYTES] [RUNS]    (defaults: 3 and 15)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
MB=${1:-3}
RUNS=${2:-15}
for tool in hyperfine g++ python3; do
  command -v "$tool" >/dev/null || { echo "bench-isolate.sh: $tool is missing (apt-get install hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet
cargo build --release --quiet --example genbench
WORK=$(mktemp -d /tmp/solink-bench-isolate.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# An installed copy, as users run it (scripts/bench.sh says why).
SOLINK=$WORK/solink
install -m 755 target/release/solink "$SOLINK"
export XDG_CACHE_HOME=$WORK/cache

echo "## Machine"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(g++ --version | head -1); $(ld --version | head -1); $(hyperfine --version)"
echo

"$REPO/target/release/examples/genbench" ggml "$WORK/ggml" "$MB" >/dev/null
cd "$WORK/ggml"
echo "## Inputs"
ls -l lib/*.a | awk '{printf "%s %d bytes\n", $NF, $5}'
du -cb lib/*.a | tail -1 | awk '{printf "archives: %d bytes in all\n", $1}'
echo "members: $(for a in lib/*.a; do ar t "$a"; done | wc -l)"
echo

LIBS="-lllama -lggml -lggml-cpu -lggml-base -lgomp"
BYHAND="g++ -shared -o by-hand.so entry.o -Llib -Wl,--start-group lib/libllama.a lib/libggml.a lib/libggml-cpu.a lib/libggml-base.a -Wl,--end-group -lgomp"
PLAIN="$SOLINK --cc g++ -shared -o plain.so entry.o -Llib $LIBS"
ISOLATE="$SOLINK --isolate --cc g++ -shared -o isolated.so entry.o -Llib $LIBS"
# Each output made once (and the cache warmed), checked: they load and
# give one answer.
$BYHAND && $PLAIN && $ISOLATE
gcc -o loader "$REPO/fixtures/verified/loader.c" -ldl
for so in by-hand plain isolated; do
  printf '%s.so: %d bytes, f() = %s, %d dynamic symbols\n' "$so" "$(stat -c %s "$so.so")" \
    "$(./loader "./$so.so" f)" "$(nm -D --defined-only "$so.so" | wc -l)"
done
echo

echo "## Timings (hyperfine -N --warmup 2 --runs $RUNS, two rounds in opposite orders)"
hyperfine -N --warmup 2 --runs "$RUNS" --style none --export-json "$WORK/forward.json" \
  -n "g++ by hand" "$BYHAND" -n "solink" "$PLAIN" -n "solink --isolate" "$ISOLATE" >/dev/null
hyperfine -N --warmup 2 --runs "$RUNS" --style none --export-json "$WORK/reverse.json" \
  -n "solink --isolate" "$ISOLATE" -n "solink" "$PLAIN" -n "g++ by hand" "$BYHAND" >/dev/null
python3 - "$WORK/forward.json" "$WORK/reverse.json" <<'EOF'
import json, statistics, sys
rounds = [{r["command"]: r["times"] for r in json.load(open(p))["results"]} for p in sys.argv[1:]]
names = ["g++ by hand", "solink", "solink --isolate"]
ms = lambda t: f"{1000 * t:.0f} ms"
print("| command | median, forward | median, reverse | median, both | min-max, both | stddev, both |")
print("|---|---|---|---|---|---|")
both = {}
for n in names:
    times = rounds[0][n] + rounds[1][n]
    both[n] = statistics.median(times)
    print(f"| `{n}` | {ms(statistics.median(rounds[0][n]))} | {ms(statistics.median(rounds[1][n]))} "
          f"| **{ms(both[n])}** | {ms(min(times))}-{ms(max(times))} | {ms(statistics.stdev(times))} |")
print()
print(f"solink --isolate / solink: {both['solink --isolate'] / both['solink']:.2f}x "
      f"(+{ms(both['solink --isolate'] - both['solink'])}); "
      f"solink / g++ by hand: {both['solink'] / both['g++ by hand']:.2f}x; "
      f"solink --isolate / g++ by hand: {both['solink --isolate'] / both['g++ by hand']:.2f}x")
for i, label in enumerate(["forward", "reverse"]):
    r = statistics.median(rounds[i]["solink --isolate"]) / statistics.median(rounds[i]["solink"])
    print(f"  {label} round alone: --isolate / solink {r:.2f}x")
EOF
