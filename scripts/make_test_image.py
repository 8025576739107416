#!/usr/bin/env python3
"""Build the root filesystem tar of the busybox test image.

The real-engine tests cannot pull from a registry, so `scripts/engines.sh`
imports this tar into each engine as `dockerengine-test:busybox`. The tar
contains the static binary at /bin/busybox and every applet as a hard link
beside it in /bin, so /bin/sh, /bin/cat, /bin/sleep, /bin/echo and /bin/top
all exist. It also contains the empty top-level directories and the
/etc/passwd and /etc/group entries for root and nobody.

The output is deterministic: entries are sorted, owned by root, and carry
the mtime from SOURCE_DATE_EPOCH (0 when unset), so the same busybox binary
always gives the same bytes.

Usage: make_test_image.py --busybox PATH --output FILE.tar
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile

DIRECTORIES = {
    "bin": 0o755,
    "dev": 0o755,
    "etc": 0o755,
    "home": 0o755,
    "proc": 0o555,
    "root": 0o700,
    "sys": 0o555,
    "tmp": 0o1777,
    "usr": 0o755,
    "var": 0o755,
}

FILES = {
    "etc/passwd": (
        "root:x:0:0:root:/root:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/home:/bin/false\n"
    ),
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
}

# `busybox` is the binary itself and `linuxrc` is an init entry point.
SKIPPED_APPLETS = {"busybox", "linuxrc"}


def list_applets(busybox: str) -> list[str]:
    """Run `busybox --list` and return the applet names it prints."""
    output = subprocess.run(
        [busybox, "--list"], check=True, capture_output=True, text=True
    ).stdout
    names = {line.strip() for line in output.splitlines() if line.strip()}
    invalid = sorted(name for name in names if "/" in name)
    if invalid:
        raise ValueError(f"unexpected applet names from {busybox}: {invalid}")
    return sorted(names - SKIPPED_APPLETS)


def new_member(name: str, kind: bytes, mode: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_tar(busybox: str, output: str, mtime: int) -> int:
    """Write the image tar to output and return the number of applets."""
    applets = list_applets(busybox)
    with open(busybox, "rb") as binary_file:
        binary = binary_file.read()

    temporary = f"{output}.tmp{os.getpid()}"
    with tarfile.open(temporary, "w", format=tarfile.USTAR_FORMAT) as archive:
        for directory, mode in sorted(DIRECTORIES.items()):
            archive.addfile(new_member(directory, tarfile.DIRTYPE, mode, mtime))

        executable = new_member("bin/busybox", tarfile.REGTYPE, 0o755, mtime)
        executable.size = len(binary)
        archive.addfile(executable, io.BytesIO(binary))
        for applet in applets:
            link = new_member(f"bin/{applet}", tarfile.LNKTYPE, 0o755, mtime)
            link.linkname = "bin/busybox"
            archive.addfile(link)

        for path, text in sorted(FILES.items()):
            data = text.encode()
            member = new_member(path, tarfile.REGTYPE, 0o644, mtime)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    os.replace(temporary, output)
    return len(applets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--busybox", required=True, help="path of a statically linked busybox"
    )
    parser.add_argument("--output", required=True, help="tar file to write")
    args = parser.parse_args()

    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    count = build_tar(args.busybox, args.output, mtime)
    print(f"wrote {args.output} with {count} busybox applets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
