#!/usr/bin/env bash
# A warm nvcc shared link through solink against the same link with plain
# nvcc (issue 34 §2), for docs/performance.md's nvcc section: the seed's
# CUDA link with NVIDIA's toolkit from PyPI (nvcc 13.5, the CUDA 12
# runtime and cuBLAS: the wheels .ci/run pins), `wrap.o` and
# `libadapter.a` (a kernel and a cublasCreate caller, built by
# `nvcc -Xcompiler -fPIC`) into a shared object, side by side:
#   - plain nvcc, the archive named by path (what solink's rewrite gives);
#   - solink, this tree's release build, warm (its cache and direct mode);
#   - with BEFORE=/path/to/solink, another solink (main's build), warm.
# Each solink has a cache of its own (--cache-dir). hyperfine -N, --warmup
# 3 --runs RUNS, two rounds in opposite orders (a busy machine's drift
# then shows as a difference between the rounds, not as a cost of one
# command); medians per round and of both, and the ratios to plain nvcc.
# Then the same commands alternated pair by pair (scripts/alternate.py,
# RUNS rounds): the issue's measure. Then the processes each warm link starts and the CPU time they take
# (strace -f, getrusage), which a loaded machine blurs less than wall time.
# Needs hyperfine, strace, g++, python3, and the venv of .ci/run (made
# here when VENV does not have it).
#
#   [BEFORE=/path/to/solink] [VENV=dir] scripts/bench-nvcc.sh [RUNS]   (RUNS defaults to 30)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-30}
VENV=${VENV:-$REPO/target/cuda-venv}
for tool in hyperfine strace g++ python3; do
  command -v "$tool" >/dev/null || { echo "bench-nvcc.sh: $tool is missing (apt-get install hyperfine strace)" >&2; exit 2; }
done
if ! ls "$VENV"/lib/python3*/site-packages/nvidia/cu13/bin/nvcc >/dev/null 2>&1; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    nvidia-cuda-nvcc==13.5.37 nvidia-cuda-runtime-cu12==12.9.79 nvidia-cublas-cu12==12.9.3.13 \
    nvidia-cuda-cccl==13.3.5.0.6
fi
NVIDIA=$(echo "$VENV"/lib/python3*/site-packages/nvidia)
export PATH="$NVIDIA/cu13/bin:$PATH"

cargo build --release --quiet
WORK=$(mktemp -d /tmp/solink-bench-nvcc.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Installed copies, as users run them (scripts/bench.sh says why).
SOLINK=$WORK/solink
install -m 755 target/release/solink "$SOLINK"
if [ -n "${BEFORE:-}" ]; then
  install -m 755 "$BEFORE" "$WORK/solink-before"
fi

echo "## Machine"
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(nvcc --version | tail -2 | head -1); $(g++ --version | head -1); $(hyperfine --version)"
echo

cd "$WORK"
cat > k.cu <<'EOF'
#include <cuda_runtime.h>
#include <cublas_v2.h>
__global__ void add_one(int *x) { x[threadIdx.x] += 1; }
extern "C" int adapter_run(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return -1;
    cublasHandle_t h;
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) return -1000;
    cublasDestroy(h);
    int *d;
    cudaMalloc(&d, 4 * sizeof(int));
    add_one<<<1, 4>>>(d);
    cudaFree(d);
    return n;
}
EOF
echo 'int adapter_run(void); int calc_cuda(void) { return adapter_run(); }' > wrap.c
nvcc -Xcompiler -fPIC -I"$NVIDIA/cublas/include" -I"$NVIDIA/cuda_runtime/include" -c k.cu
gcc -fPIC -c wrap.c
ar rcs libadapter.a k.o
L="-L$NVIDIA/cuda_runtime/lib -L$NVIDIA/cublas/lib -l:libcudart.so.12 -l:libcublas.so.12"
PLAIN="nvcc -shared -o libplain.so wrap.o ./libadapter.a $L"
VIA="$SOLINK --cache-dir $WORK/cache-after nvcc -shared -o libafter.so wrap.o -L. -ladapter $L"
BEFORE_CMD="$WORK/solink-before --cache-dir $WORK/cache-before nvcc -shared -o libbefore.so wrap.o -L. -ladapter $L"
NAMES=("plain nvcc" "solink (this tree)")
CMDS=("$PLAIN" "$VIA")
if [ -n "${BEFORE:-}" ]; then
  NAMES+=("solink (before)")
  CMDS+=("$BEFORE_CMD")
fi
# Warm: each once, then again once the inputs have settled (direct mode
# stores an answer only then), then once more.
for c in "${CMDS[@]}"; do $c; done
sleep 0.3
for c in "${CMDS[@]}"; do $c; $c; done

echo "## Processes and CPU time of one warm link"
echo "| command | processes (strace -f) | nvcc runs | user+sys CPU, children included (getrusage, median of 15, alternated) |"
echo "|---|---|---|---|"
for i in "${!CMDS[@]}"; do
  strace -f -qq -e trace=execve -o "$WORK/trace" ${CMDS[$i]}
  procs=$(grep -c 'execve(.*= 0$' "$WORK/trace")
  nvccs=$(grep -c 'execve(".*/nvcc".*= 0$' "$WORK/trace")
  echo "${NAMES[$i]}|$procs|$nvccs" >> "$WORK/procs"
done
python3 - "$WORK/procs" "${CMDS[@]}" <<'EOF'
import resource, shlex, statistics, subprocess, sys
rows = [l.split("|") for l in open(sys.argv[1]).read().splitlines()]
cmds = [shlex.split(c) for c in sys.argv[2:]]
cpu = [[] for _ in cmds]
for _ in range(15):
    for i, cmd in enumerate(cmds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i].append(1000 * (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
for (name, procs, nvccs), times in zip(rows, cpu):
    print(f"| {name} | {procs} | {nvccs} | {statistics.median(times):.1f} ms |")
EOF
echo

echo "## Timings (hyperfine -N --warmup 3 --runs $RUNS, two rounds in opposite orders)"
forward=()
reverse=()
for i in "${!CMDS[@]}"; do forward+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
for ((i = ${#CMDS[@]} - 1; i >= 0; i--)); do reverse+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
hyperfine -N --warmup 3 --runs "$RUNS" --style none --export-json "$WORK/forward.json" "${forward[@]}" >/dev/null
hyperfine -N --warmup 3 --runs "$RUNS" --style none --export-json "$WORK/reverse.json" "${reverse[@]}" >/dev/null
python3 - "$WORK/forward.json" "$WORK/reverse.json" <<'EOF'
import json, statistics, sys
rounds = [{r["command"]: r["times"] for r in json.load(open(p))["results"]} for p in sys.argv[1:]]
names = [n for n in ["plain nvcc", "solink (this tree)", "solink (before)"] if n in rounds[0]]
ms = lambda t: f"{1000 * t:.1f} ms"
print("| command | median, forward | median, reverse | median, both | min-max, both | ratio to plain nvcc |")
print("|---|---|---|---|---|---|")
both = {n: statistics.median(rounds[0][n] + rounds[1][n]) for n in names}
for n in names:
    times = rounds[0][n] + rounds[1][n]
    print(f"| {n} | {ms(statistics.median(rounds[0][n]))} | {ms(statistics.median(rounds[1][n]))} "
          f"| **{ms(both[n])}** | {ms(min(times))}-{ms(max(times))} | **{both[n] / both['plain nvcc']:.3f}** |")
print()
for i, label in enumerate(["forward", "reverse"]):
    plain = statistics.median(rounds[i]["plain nvcc"])
    print(f"  {label} round alone: " + ", ".join(
        f"{n} / plain nvcc {statistics.median(rounds[i][n]) / plain:.3f}" for n in names[1:]))
EOF
echo
echo "## Alternating (scripts/alternate.py $RUNS: A, B, C, A, B, C, ...)"
python3 "$REPO/scripts/alternate.py" "$RUNS" "${CMDS[@]}"
