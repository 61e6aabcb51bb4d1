"""Scratch space for temporary files (spooled uploads and imports), cleared of leftovers at start.

Each process writes its temporary files into a directory of its own, ``<root>/<pid>-<random>/``,
and holds an exclusive ``flock`` on ``<root>/<pid>-<random>.lock`` for as long as it lives. The
kernel releases the lock when the process ends, however it ends (``kill -9`` included), so
:meth:`ScratchSpace.clear_leftovers` removes exactly the directories whose owner is gone: safe while
other server processes (other workers, or other servers sharing the directory) are running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, leftovers are kept
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("dealbench.scratch")

_SUFFIX = ".lock"


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class ScratchSpace:
    """Temporary files of this process under ``root``, in a directory made on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dir: Path | None = None
        self._fd: int | None = None
        self._claiming = threading.Lock()  # imports write their error files from worker threads

    @property
    def directory(self) -> Path:
        """This process's directory (made, and its lock taken, on first use)."""
        with self._claiming:
            if self._dir is None:
                self._dir = self._claim()
            return self._dir

    def _claim(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        while True:
            name = f"{os.getpid()}-{secrets.token_hex(6)}"
            lock = self.root / f"{name}{_SUFFIX}"
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
            # Another process clearing leftovers may have taken (and removed) the fresh lock file
            # between the open and the lock: then start over with a new name.
            if fcntl is not None:
                held = _try_lock(fd)
                try:
                    same = held and os.stat(lock).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
            directory = self.root / name
            directory.mkdir(mode=0o700)
            self._fd = fd
            return directory

    def clear_leftovers(self) -> int:
        """Remove what processes that are gone left behind; answers how many entries went."""
        if fcntl is None or not self.root.is_dir():  # pragma: no cover
            return 0
        own = {self._dir.name, f"{self._dir.name}{_SUFFIX}"} if self._dir is not None else set()
        removed = 0
        for entry in sorted(self.root.iterdir()):
            if entry.name in own:
                continue
            if entry.name.endswith(_SUFFIX):
                try:
                    fd = os.open(entry, os.O_RDWR)
                except FileNotFoundError:
                    continue
                try:
                    if not _try_lock(fd):
                        continue  # its process is alive
                    shutil.rmtree(entry.with_name(entry.name[: -len(_SUFFIX)]), ignore_errors=True)
                    entry.unlink(missing_ok=True)
                    removed += 1
                finally:
                    os.close(fd)
            elif entry.is_dir():
                # A directory is made only after its lock file: without one, its owner is gone.
                if not entry.with_name(entry.name + _SUFFIX).exists():
                    shutil.rmtree(entry, ignore_errors=True)
                    removed += 1
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed += 1
        if removed:
            log.info("removed %d temporary file(s) or folder(s) left in %s", removed, self.root)
        return removed

    def close(self) -> None:
        """Remove this process's directory and release its lock."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                self._dir.with_name(self._dir.name + _SUFFIX).unlink()
            self._dir = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
