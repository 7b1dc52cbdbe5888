"""Linux software RAID from /proc/mdstat and /sys/block/md*/md (`node_md_*`).

The status line `[n/m] [UU_]` gives the disks required and active, `(F)`/`(S)` on the device line the failed
and spare ones; a recovery/resync/check line gives the blocks synced so far. No /proc/mdstat (the md driver
is not loaded) is no data, as node_exporter reports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_int, read_text
from exporter.config import Config

STATUS = re.compile(r"(\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\]")
SYNCED = re.compile(r"\((\d+)/(\d+)\)")
PERSONALITIES = "Personalities : "
STATES = [("active", "active"), ("inactive", "inactive"), ("recovering", "recovering")]
STATES += [("resync", "resyncing"), ("check", "checking")]
# Levels whose sysfs directory has a `degraded` count (the others have no redundancy to lose).
REDUNDANT = {"raid1", "raid4", "raid5", "raid6", "raid10"}


@dataclass(frozen=True)
class MdDevice:
    name: str
    state: str  # active, inactive, recovering, resyncing, checking, reshaping...
    disks_required: int
    disks_active: int
    disks_failed: int
    disks_spare: int
    blocks: int
    blocks_synced: int


def parse_mdstat(text: str) -> list[MdDevice]:
    """Every array of /proc/mdstat; ValueError naming the array whose lines are not as the kernel writes."""
    lines = text.split("\n")
    devices = []
    for index, line in enumerate(lines):
        if not line.strip() or line[0] == " " or line.startswith(("unused", PERSONALITIES)):
            continue
        fields = line.split()
        if len(fields) < 3:
            raise ValueError(f"expected `mdN : state ...`, got {line!r}")
        name, state = fields[0], fields[2]
        if len(lines) <= index + 3:
            raise ValueError(f"too few lines for md device {name}")
        status = lines[index + 1]
        size_field = status.split()[:1]
        if not size_field or not size_field[0].isdigit():
            raise ValueError(f"{name}: unexpected status line {status!r}")
        blocks = int(size_field[0])
        if "raid0" in line or "linear" in line:
            required = active = line.count("[")
        elif "inactive" in line:
            required = active = 0
        else:
            match = STATUS.search(status)
            if match is None:
                raise ValueError(f"{name}: unexpected status line {status!r}")
            required, active = int(match[2]), int(match[3])
        sync_line = lines[index + 3] if "bitmap" in lines[index + 2] else lines[index + 2]
        synced = blocks
        activity = next(
            (
                word
                for key, word in [
                    ("recovery", "recovering"),
                    ("reshape", "reshaping"),
                    ("check", "checking"),
                    ("resync", "resyncing"),
                ]
                if key in sync_line
            ),
            None,
        )
        if activity is not None:
            state = activity
            if "PENDING" in sync_line or "DELAYED" in sync_line:
                synced = 0
            else:
                progress = SYNCED.search(sync_line)
                if progress is None:
                    raise ValueError(f"{name}: unexpected sync line {sync_line!r}")
                synced = int(progress[1])
        devices.append(
            MdDevice(
                name=name,
                state=state,
                disks_required=required,
                disks_active=active,
                disks_failed=line.count("(F)"),
                disks_spare=line.count("(S)"),
                blocks=blocks,
                blocks_synced=synced,
            )
        )
    return devices


def raid_disks(md_dir: Path) -> tuple[str, int | None]:
    """The array's level and its number of member slots (None for containers or during an unclear reshape)."""
    level = read_text(md_dir / "level").strip()
    if level in ("", "container", "imsm", "ddf"):
        return level, None
    # During a reshape the file reads `current (previous)`.
    first = read_text(md_dir / "raid_disks").strip().split(" ")[0]
    return level, int(first) if first.isdigit() else None


class MdadmCollector:
    name: ClassVar[str] = "mdadm"

    def __init__(self, config: Config) -> None:
        self._mdstat = config.paths.proc("mdstat")
        self._block = config.paths.sys("block")

    def collect(self) -> list[Metric]:
        try:
            arrays = parse_mdstat(read_text(self._mdstat))
        except ValueError as error:
            raise ValueError(f"{self._mdstat}: {error}") from None
        state = gauge("node_md_state", "Indicates the state of md-device.", ["device", "state"])
        disks = gauge("node_md_disks", "Number of active/failed/spare disks of device.", ["device", "state"])
        required = gauge("node_md_disks_required", "Total number of disks of device.", ["device"])
        blocks = gauge("node_md_blocks", "Total number of blocks on device.", ["device"])
        synced = gauge("node_md_blocks_synced", "Number of blocks synced on device.", ["device"])
        for md in arrays:
            required.add_metric([md.name], float(md.disks_required))
            disks.add_metric([md.name, "active"], float(md.disks_active))
            disks.add_metric([md.name, "failed"], float(md.disks_failed))
            disks.add_metric([md.name, "spare"], float(md.disks_spare))
            for label, activity in STATES:
                state.add_metric([md.name, label], 1.0 if md.state == activity else 0.0)
            blocks.add_metric([md.name], float(md.blocks))
            synced.add_metric([md.name], float(md.blocks_synced))
        members = gauge("node_md_raid_disks", "Number of raid disks on device.", ["device"])
        degraded = gauge("node_md_degraded", "Number of degraded disks on device.", ["device"])
        md_dirs = sorted(self._block.glob("md*/md")) if self._block.is_dir() else []
        for md_dir in md_dirs:
            device = md_dir.parent.name
            level, slots = raid_disks(md_dir)
            if slots is not None:
                members.add_metric([device], float(slots))
            count = read_int(md_dir / "degraded") if level in REDUNDANT else 0
            degraded.add_metric([device], float(count))
        return [required, disks, state, blocks, synced, members, degraded]
