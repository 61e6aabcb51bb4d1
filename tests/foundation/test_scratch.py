"""Temporary files live under the data directory, and what a killed process left is removed at start
(and only that: the files of running processes stay)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from dealbench.app import create_app
from dealbench.kit.scratch import ScratchSpace
from dealbench.kit.services import Services


def _killed_owner(root: Path) -> Path:
    """A process that claims a scratch directory, writes a file into it and is SIGKILLed."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from dealbench.kit.scratch import ScratchSpace
        space = ScratchSpace(Path({str(root)!r}))
        (space.directory / "upload.part").write_bytes(b"x" * 1000)
        print(space.directory, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    directory = Path(done.stdout.strip())
    assert (directory / "upload.part").exists()
    return directory


def test_only_the_leftovers_of_gone_processes_are_cleared(tmp_path: Path) -> None:
    root = tmp_path / "tmp"
    killed = _killed_owner(root)
    running = ScratchSpace(root)  # another live process (its own lock)
    (running.directory / "in-flight.part").write_bytes(b"y")
    (root / "stray.csv").write_bytes(b"z")  # a loose file
    (root / "orphan").mkdir()  # a folder whose lock file is gone
    mine = ScratchSpace(root)
    (mine.directory / "mine.part").write_bytes(b"m")
    assert mine.clear_leftovers() == 3
    assert not killed.exists() and not killed.with_name(killed.name + ".lock").exists()
    assert not (root / "stray.csv").exists() and not (root / "orphan").exists()
    assert (running.directory / "in-flight.part").exists() and (mine.directory / "mine.part").exists()
    running.close()
    assert mine.clear_leftovers() == 0  # closing removes a process's own directory and lock
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [mine.directory.name, mine.directory.name + ".lock"]
    )
    mine.close()
    assert list(root.iterdir()) == []


async def test_the_server_clears_leftovers_at_start(settings: Any, tmp_path: Path) -> None:
    own = settings.model_copy(update={"var_dir": tmp_path / "var", "storage_url": f"file://{tmp_path}/files"})
    killed_import = _killed_owner(tmp_path / "var" / "tmp")
    killed_upload = _killed_owner(tmp_path / "files" / "tmp")
    services = Services.build(own)
    app = create_app(own, services)
    async with app.router.lifespan_context(app):
        assert not killed_import.exists() and not killed_upload.exists()
    assert list((tmp_path / "var" / "tmp").iterdir()) == []
