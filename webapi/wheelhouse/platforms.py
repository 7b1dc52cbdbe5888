"""The node platforms a wheelhouse is gathered for, as pip's `--platform` tags."""

from __future__ import annotations

# manylinux_2_28 = glibc 2.28 (Debian 10, Raspberry Pi OS buster) or later; pip also accepts older
# manylinux tags under it. `linux_armv7l` is the tag of wheels built on a Pi (piwheels).
PLATFORMS: dict[str, tuple[str, ...]] = {
    "x86_64": ("manylinux_2_28_x86_64",),
    "aarch64": ("manylinux_2_28_aarch64",),
    "armv7l": ("manylinux_2_28_armv7l", "linux_armv7l"),
}
# The Pythons of the distributions nodes run: Debian 12 / Raspberry Pi OS 12 (3.11), Ubuntu 24.04
# (3.12), Debian 13 (3.13).
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
