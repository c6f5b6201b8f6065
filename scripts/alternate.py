#!/usr/bin/env python3
"""Runs two commands alternately, N rounds, and reports wall-time medians.

    alternate.py N 'command A' 'command B'

Alternating (A, B, A, B, ...) rather than all A then all B keeps drift in
the machine's state (caches, frequency, other load) from favouring either.
"""
import shlex
import statistics
import subprocess
import sys
import time


def wall(cmd):
    start = time.perf_counter_ns()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter_ns() - start) / 1e6


def main():
    rounds, a, b = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
    wall(a), wall(b)  # warm-up
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(wall(a))
        tb.append(wall(b))
    ma, mb = statistics.median(ta), statistics.median(tb)
    print(f"A median {ma:.2f} ms ({rounds} runs): {sys.argv[2]}")
    print(f"B median {mb:.2f} ms ({rounds} runs): {sys.argv[3]}")
    print(f"B/A ratio {mb / ma:.3f}; B adds {mb - ma:+.2f} ms")


if __name__ == "__main__":
    main()
