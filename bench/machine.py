# SPDX-License-Identifier: BSD-3-Clause
"""The machine a benchmark runs on: what it is, and how busy other processes keep it.

On a shared machine a slow run may be the code's fault or the neighbours'. `OtherLoad`
tells them apart: the CPU time the whole machine spent busy (Linux's /proc/stat) minus
this process's own (os.times, every thread and child), over the wall-clock time, is the
number of cores that other processes kept busy meanwhile.
"""

import contextlib
import os
import platform
import time


def describe():
    """For example "AMD EPYC 7B13 (family 25, model 1, 2450 MHz), 2 cores, Linux x86_64"."""
    return f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def cpu_model():
    """The first CPU's model name, with its family, model and clock: a virtual machine may
    name only the vendor's line ("AMD EPYC"), and the same name covers generations
    whose memory makes the same code run at very different speeds."""
    fields = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if not line.strip():
                    break  # the first processor's block ends here
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or "unknown CPU"
    details = [f"{label} {fields[key]}" for label, key in
               (("family", "cpu family"), ("model", "model")) if key in fields]
    if "cpu MHz" in fields:
        details.append(f"{float(fields['cpu MHz']):.0f} MHz")
    return f"{name} ({', '.join(details)})" if details else name


class OtherLoad:
    """Cores that other processes kept busy, on average, while watched code ran."""

    def __init__(self):
        self.core_seconds = 0.0
        self.seconds = 0.0
        self.known = True

    @contextlib.contextmanager
    def watch(self):
        before = _sample()
        try:
            yield
        finally:
            after = _sample()
            if before is None or after is None:
                self.known = False
            else:
                wall = after[0] - before[0]
                others = (after[1] - before[1]) - (after[2] - before[2])
                self.core_seconds += max(0.0, others)
                self.seconds += wall

    # /proc/stat counts in ticks of 10 ms: shorter watches would be mostly rounding.
    MIN_SECONDS = 0.5

    @property
    def cores(self):
        """None where /proc/stat cannot be read (not Linux) or the watch was too short."""
        if not self.known or self.seconds < self.MIN_SECONDS:
            return None
        return self.core_seconds / self.seconds


def _sample():
    """(wall seconds, busy CPU seconds of the machine, CPU seconds of this process)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    # guest time is counted in user time already
    total = sum(fields[:8])
    ticks = os.sysconf("SC_CLK_TCK")
    own = os.times()
    return (time.monotonic(), (total - idle) / ticks,
            own.user + own.system + own.children_user + own.children_system)
