"""Files written whole or not at all: a crash never leaves half a file where a reader looks.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
>>> atomic_write(target, lambda tmp: tmp.write_text("hi")).read_text()
'hi'
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

_PARTIAL_SUFFIX = ".partial"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_partials(path: Path) -> None:
    """Remove temporary files a killed writer of ``path`` left beside it."""
    prefix = f".{path.name}."
    for candidate in path.parent.glob(f".*{_PARTIAL_SUFFIX}"):
        rest = candidate.name[len(prefix) :] if candidate.name.startswith(prefix) else ""
        pid = rest.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            candidate.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _new_temp(target: Path) -> Path:
    """Create an empty hidden file beside ``target`` with the permissions a plain open gives.

    (``tempfile.mkstemp`` would make it 0600, and the rename would keep that.)
    """
    for _ in range(100):
        temp = (
            target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(6)}{_PARTIAL_SUFFIX}"
        )
        try:
            fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        os.close(fd)
        return temp
    raise FileExistsError(f"cannot create a temporary file beside {target}")  # pragma: no cover


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(temp_path)`` then move the finished file onto ``path`` in one rename.

    The temporary file is hidden (``.<name>.<pid>-<random>.partial``) in the same directory;
    it is removed if ``write`` fails, and a later write removes one left by a killed process.
    Readers that glob ``*.parquet`` never see it; a bare ``*`` glob (DuckDB matches hidden
    files) can, while a write is under way: glob ``*.parquet``, or use :class:`ExecutionStore`,
    whose staging directory lies outside its data.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> atomic_write(target, lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a directory; give a file path")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"directory {target.parent} does not exist; create it first")
    _remove_stale_partials(target)
    temp = _new_temp(target)
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target
