"""One writer at a time, readers never blocked: how every command writes and reads a DuckDB file.

Writers (``build``, ``import``, ``watch``, the evidence history) never write the live file.  Under an
exclusive lock on ``.NAME.lock`` beside it (:func:`writer_lock`; a second writer waits, saying for whom,
up to ``IMMUNOGRADE_LOCK_WAIT`` seconds, then stops with :class:`~immunograde.errors.BusyError`), a
writer copies the file to ``.NAME.tmp-PID``, writes the copy, checkpoints it and moves it over the live
file with :func:`os.replace` (:func:`rewrite`).  A reader (``serve``, ``appraise``, ...) keeps the
version it opened, holds no lock on the next one, and sees the new version when it next opens the
file.  A writer killed at any moment leaves the previous file; the next writer removes what it left
(its ``.tmp-PID`` copy and WAL, its scratch folders: :func:`remove_orphans`).

Readers open the file with :func:`open_readonly` (an in-memory DuckDB that attaches the file read-only)
rather than ``duckdb.connect(path)``: DuckDB hands a process the database it already has open for a
path, so a long-running reader would go on reading the replaced file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib.abc
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from immunograde import settings
from immunograde.errors import BusyError, Msg, told

ALIAS = "kb"  #: the catalog name a file is attached under by :func:`open_readonly`
SCRATCH_PREFIX = "immunograde-"  #: scratch folders: ``immunograde-KIND-PID-random`` in the temp dir
Say = Callable[[str], None]
_held = threading.local()  # per thread: resolved lock paths this thread holds (re-entrant)


class _Absent(importlib.abc.MetaPathFinder):
    """Answers "no such module" at once for modules known not to be installed."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _missing_pandas_fails_fast() -> None:
    """DuckDB's client tries ``import pandas`` (four times) on every query with parameters; where
    pandas is not installed each try searches ``sys.path`` again, about 0.3 ms a query (measured: 0.7
    -> 0.4 ms for a small parameterised query; a substance page -20 % CPU).  A finder first in
    ``sys.meta_path`` makes the same import fail at once, as it would anyway."""
    absent = "pandas" not in sys.modules and importlib.util.find_spec("pandas") is None
    if absent and not any(isinstance(f, _Absent) for f in sys.meta_path):
        sys.meta_path.insert(0, _Absent(frozenset({"pandas"})))


_missing_pandas_fails_fast()


def _stderr(message: str) -> None:
    print(told(message), file=sys.stderr, flush=True)  # in the command's language


def lock_path(db: Path) -> Path:
    return db.with_name(f".{db.name}.lock")


def temp_path(db: Path) -> Path:
    """The private copy a writer in this process works on."""
    return db.with_name(f".{db.name}.tmp-{os.getpid()}")


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_file(path: Path) -> None:
    """Remove a DuckDB file and its write-ahead log, if present."""
    for p in (path, wal(path)):
        p.unlink(missing_ok=True)


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or Msg("another immunograde command")


def _locked(fd: int, lock: Path) -> bool:
    """Try to lock ``fd``; True if locked and ``fd`` is still the file at ``lock`` (a writer removes
    the lock file when it finishes: a lock won on the removed file is worth nothing)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    try:
        return os.fstat(fd).st_ino == os.stat(lock).st_ino
    except FileNotFoundError:
        return False


def _acquire(lock: Path, db: Path, wait: float, say: Say) -> int:
    """An open descriptor of ``lock``, exclusively locked; :class:`BusyError` after ``wait`` s."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        if _locked(fd, lock):
            return fd
        os.close(fd)
        holder = _holder(lock)
        if time.monotonic() >= deadline:
            raise BusyError(
                Msg("%(db)s is being written by %(holder)s; gave up after waiting %(wait)s s. Try "
                    "again when it has finished, or wait longer (IMMUNOGRADE_LOCK_WAIT=SECONDS).",
                    db=db, holder=holder, wait=format(wait, "g"))
            )  # fmt: skip
        if not told:
            say(Msg("waiting for %(holder)s to finish writing %(db)s (up to %(wait)s s) ...",
                    holder=holder, db=db, wait=format(wait, "g")))  # fmt: skip
            told = True
        time.sleep(0.2)


@contextmanager
def writer_lock(db: Path, *, wait: float | None = None, say: Say | None = None) -> Iterator[None]:
    """Hold the only right to write ``db`` (re-entrant in one thread).

    Waits up to ``wait`` seconds (default :func:`immunograde.settings.lock_wait`) for another writer,
    telling ``say`` (default: stderr) once whom it waits for; then raises :class:`BusyError`.
    Once held, files left by killed writers are removed (:func:`remove_orphans`).  The lock file
    ``.NAME.lock`` exists only while a writer holds it (or until the next writer, after a kill).
    """
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_path(db.resolve())
    held: set[Path] = getattr(_held, "paths", set())
    if lock in held:
        yield
        return
    fd = _acquire(lock, db, settings.lock_wait() if wait is None else wait, say or _stderr)
    try:
        since = dt.datetime.now().isoformat(timespec="seconds")
        who = f"pid {os.getpid()} (`immunograde {' '.join(sys.argv[1:3])}`, since {since})"
        os.ftruncate(fd, 0)
        os.pwrite(fd, who.encode(), 0)
        _held.paths = held | {lock}
        remove_orphans(db)
        yield
    finally:
        _held.paths = getattr(_held, "paths", set()) - {lock}
        lock.unlink(missing_ok=True)  # before the lock is released: no one else holds it now
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(db: Path) -> list[Path]:
    """Remove what killed writers left (call holding :func:`writer_lock`): every ``.NAME.tmp-*`` copy
    beside ``db`` (and its WAL; no writer is running, so none is in use) and this user's scratch folders
    whose process is gone.  Returns what was removed."""
    gone = sorted(db.parent.glob(f".{db.name}.tmp-*"))
    for path in gone:
        path.unlink(missing_ok=True)
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*-*"):
        pid = folder.name.split("-")[2] if folder.name.count("-") >= 3 else ""
        try:
            mine = folder.is_dir() and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            gone.append(folder)
    return gone


@contextmanager
def scratch_dir(kind: str) -> Iterator[Path]:
    """A temporary folder named after this process (``immunograde-KIND-PID-...``), removed on exit,
    and by the next writer if this process is killed."""
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{kind}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(tmp: Path, db: Path) -> None:
    """Move the finished, checkpointed copy ``tmp`` over ``db`` in one step."""
    if wal(tmp).exists():
        raise RuntimeError(f"{tmp} still has a write-ahead log: close its connection first")
    _fsync(tmp)
    wal(db).unlink(missing_ok=True)  # the old file's log (never replay it onto the new file)
    os.replace(tmp, db)
    _fsync(db.parent)


@dataclass
class Rewrite:
    """The copy a writer works on; set ``keep = False`` to leave the live file as it is."""

    path: Path
    keep: bool = True


@contextmanager
def rewrite(
    db: Path, *, copy: bool = True, wait: float | None = None, say: Say | None = None
) -> Iterator[Rewrite]:
    """Write a new version of ``db``: under :func:`writer_lock`, yield a private copy (``copy=False``: a
    fresh file) and publish it when the block ends without error (connections to it closed).  On any
    error, or a kill, the live file is untouched and the copy is removed (now, or by the next writer)."""
    db = Path(db)
    with writer_lock(db, wait=wait, say=say):
        job = Rewrite(temp_path(db))
        remove_file(job.path)
        try:
            if copy and db.exists():
                shutil.copyfile(db, job.path)
                if wal(db).exists():  # left by a writer that predates this scheme
                    shutil.copyfile(wal(db), wal(job.path))
            yield job
            if job.keep:
                publish(job.path, db)
        finally:
            remove_file(job.path)


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file at ``path`` as it is now (never a version DuckDB already has
    open in this process); tables are found without a prefix (``USE kb``)."""
    con = duckdb.connect(":memory:")
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {ALIAS} (READ_ONLY)")
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor of a connection from :func:`open_readonly`, seeing the same tables."""
    cur = con.cursor()
    cur.execute(f"USE {ALIAS}")
    return cur
