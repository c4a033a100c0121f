"""Loaded by every Python process of a simulated host in tests/faults/test_multi_host.py (this
folder is put first on its PYTHONPATH): records each file the process opens or lists under
another host's folders (STUDIO_FOREIGN_DIRS) into STUDIO_ACCESS_LOG, through Python's audit
hooks, so the test can prove that hosts share nothing but PostgreSQL, the broker and S3."""

import os
import sys

_FOREIGN = tuple(
    os.path.join(os.path.realpath(d), "")
    for d in os.environ.get("STUDIO_FOREIGN_DIRS", "").split(os.pathsep)
    if d
)
_LOG = os.environ.get("STUDIO_ACCESS_LOG")
_EVENTS = {"open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile", "os.rename"}
_busy = False


def _write(line: str) -> None:
    global _busy
    _busy = True
    try:
        with open(_LOG, "a") as log:
            log.write(line + "\n")
    finally:
        _busy = False


def _watch(event, args):
    if _busy or event not in _EVENTS or not args:
        return
    path = args[0]
    if isinstance(path, int) or path is None:
        return
    try:
        full = os.path.join(os.path.realpath(os.fsdecode(path)), "")
    except (TypeError, ValueError):
        return
    if full.startswith(_FOREIGN):
        _write(f"FOREIGN {os.getpid()} {event} {full}")


if _LOG and _FOREIGN:
    _write(f"WATCHING {os.getpid()} {' '.join(sys.argv[:3])}")
    sys.addaudithook(_watch)
