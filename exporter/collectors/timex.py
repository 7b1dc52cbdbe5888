"""Kernel clock discipline state from adjtimex(2) in read-only mode: what NTP alerts (clock skew) read."""

from __future__ import annotations

import ctypes
import os
from errno import EPERM
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import NoDataError, counter, gauge
from exporter.config import Config

TIME_ERROR = 5  # adjtimex's return value when the clock is not synchronised
STA_NANO = 0x2000  # status bit: offset and jitter are in nanoseconds, not microseconds
NANOSECONDS = 1_000_000_000
MICROSECONDS = 1_000_000
PPM16FRAC = 1_000_000.0 * 65536.0  # freq, ppsfreq and stabil are ppm with a 16-bit fraction


class Timex(ctypes.Structure):
    """`struct timex` of the C library's `adjtimex` symbol (C longs, so also right on 32-bit ARM)."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("reserved", ctypes.c_int * 11),
    ]


def adjtimex(libc: ctypes.CDLL) -> tuple[int, Timex]:
    """The clock state and `struct timex`; modes = 0 reads without changing anything (no privilege)."""
    timex = Timex()
    state = libc.adjtimex(ctypes.byref(timex))
    if state < 0:
        errno = ctypes.get_errno()
        if errno == EPERM:
            # A sandbox (seccomp) forbidding the call: node_exporter reports no data too.
            raise NoDataError(f"adjtimex: {os.strerror(errno)}")
        raise OSError(errno, f"adjtimex: {os.strerror(errno)}")
    return state, timex


def timex_families(state: int, timex: Timex) -> list[Metric]:
    """node_exporter's timex metrics, with its unit conversions, from one adjtimex reading."""
    divisor = NANOSECONDS if timex.status & STA_NANO else MICROSECONDS
    gauges = (
        (
            "node_timex_sync_status",
            "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
            0.0 if state == TIME_ERROR else 1.0,
        ),
        (
            "node_timex_offset_seconds",
            "Time offset in between local system and reference clock.",
            timex.offset / divisor,
        ),
        (
            "node_timex_frequency_adjustment_ratio",
            "Local clock frequency adjustment.",
            1 + timex.freq / PPM16FRAC,
        ),
        ("node_timex_maxerror_seconds", "Maximum error in seconds.", timex.maxerror / MICROSECONDS),
        ("node_timex_estimated_error_seconds", "Estimated error in seconds.", timex.esterror / MICROSECONDS),
        ("node_timex_status", "Value of the status array bits.", float(timex.status)),
        ("node_timex_loop_time_constant", "Phase-locked loop time constant.", float(timex.constant)),
        ("node_timex_tick_seconds", "Seconds between clock ticks.", timex.tick / MICROSECONDS),
        ("node_timex_pps_frequency_hertz", "Pulse per second frequency.", timex.ppsfreq / PPM16FRAC),
        ("node_timex_pps_jitter_seconds", "Pulse per second jitter.", timex.jitter / divisor),
        ("node_timex_pps_shift_seconds", "Pulse per second interval duration.", float(timex.shift)),
        (
            "node_timex_pps_stability_hertz",
            "Pulse per second stability, average of recent frequency changes.",
            timex.stabil / PPM16FRAC,
        ),
        ("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", float(timex.tai)),
    )
    counters = (
        (
            "node_timex_pps_jitter_total",
            "Pulse per second count of jitter limit exceeded events.",
            timex.jitcnt,
        ),
        (
            "node_timex_pps_calibration_total",
            "Pulse per second count of calibration intervals.",
            timex.calcnt,
        ),
        ("node_timex_pps_error_total", "Pulse per second count of calibration errors.", timex.errcnt),
        (
            "node_timex_pps_stability_exceeded_total",
            "Pulse per second count of stability limit exceeded events.",
            timex.stbcnt,
        ),
    )
    families: list[Metric] = []
    for name, documentation, value in gauges:
        family = gauge(name, documentation)
        family.add_metric([], value)
        families.append(family)
    for name, documentation, count in counters:
        total = counter(name, documentation)
        total.add_metric([], float(count))
        families.append(total)
    return families


class TimexCollector:
    name: ClassVar[str] = "timex"

    def __init__(self, config: Config) -> None:
        # A system call, not a file: the --path.* flags do not apply.
        self._libc = ctypes.CDLL(None, use_errno=True)

    def collect(self) -> list[Metric]:
        return timex_families(*adjtimex(self._libc))
