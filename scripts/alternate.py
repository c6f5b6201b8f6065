#!/usr/bin/env python3
"""Runs commands alternately, N rounds, and reports wall-time medians.

    alternate.py N 'command A' 'command B' ['command C' ...]

Alternating (A, B, C, A, B, C, ...) rather than all A then all B keeps
drift in the machine's state (caches, frequency, other load) from favouring
any. Each ratio is against A. A command may start with `NAME=value` words,
set in its environment only. With TOUCH=FILE in this script's environment,
FILE's times are set to now before every command: a relink after an edit,
without a process to do it. With CLEAR=DIR, DIR is removed before every
command, outside the timing: each run of solink starts with an empty cache
(a cold link), as every CI job's first link does.
"""
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time


def parse(spec):
    env, words = dict(os.environ), shlex.split(spec)
    while words and "=" in words[0] and not words[0].startswith("/"):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return words, env


def wall(cmd, env):
    touch = os.environ.get("TOUCH")
    if touch:
        os.utime(touch)
    clear = os.environ.get("CLEAR")
    if clear:
        shutil.rmtree(clear, ignore_errors=True)
    start = time.perf_counter_ns()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return (time.perf_counter_ns() - start) / 1e6


def main():
    rounds, specs = int(sys.argv[1]), sys.argv[2:]
    cmds = [parse(s) for s in specs]
    for cmd, env in cmds:  # warm-up
        wall(cmd, env)
    times = [[] for _ in cmds]
    for _ in range(rounds):
        for i, (cmd, env) in enumerate(cmds):
            times[i].append(wall(cmd, env))
    base = statistics.median(times[0])
    for i, spec in enumerate(specs):
        m = statistics.median(times[i])
        label = "ABCDEFGH"[i] if i < 8 else str(i)
        print(f"{label} median {m:.2f} ms ({rounds} runs): {spec}")
        if i:
            print(f"{label}/A ratio {m / base:.3f}; {label} adds {m - base:+.2f} ms")


if __name__ == "__main__":
    main()
