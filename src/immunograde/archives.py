"""Archives and compressed files from users, read safely: one place for every importer that inflates.

Nothing is inflated beyond :func:`immunograde.settings.max_inflated` (``IMMUNOGRADE_MAX_INFLATED_MB``:
a compression bomb is refused, naming the setting), and a truncated or damaged zip or gzip file (bad
CRC, missing directory, cut-off stream) is an :class:`~immunograde.errors.InputError` naming the
archive and member -- never a traceback, never the path of a temporary copy.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path
from typing import IO

from immunograde import settings
from immunograde.errors import InputError, Msg

#: what a damaged or truncated archive raises while it is read
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
            ValueError)  # fmt: skip


def check_size(size: int, label: str) -> None:
    """:class:`InputError` if ``size`` inflated bytes are over the limit (names the setting)."""
    limit = settings.max_inflated()
    if size > limit:
        raise InputError.one(
            Msg("inflates to more than %(mib)s MiB (a compression bomb?); raise IMMUNOGRADE_MAX_INFLATED_MB if the file is genuine", mib=format(limit / 2**20, ',.0f')), file=label,
        )  # fmt: skip


def open_zip(path: Path, label: str | None = None) -> zipfile.ZipFile:
    """The zip at ``path``; a truncated or damaged one (no readable directory, or one asking for a
    zip version zipfile cannot extract: NotImplementedError) is an InputError."""
    try:
        return zipfile.ZipFile(path)
    except _DAMAGED as exc:
        raise InputError.one(
            Msg("not a readable zip (truncated or damaged: %(reason)s)", reason=str(exc)),
            file=label or str(path),
        ) from None


def looks_like_zip(path: Path) -> bool:
    """The file starts as a zip does (``PK``), readable or not: a truncated zip loses its
    directory, and :func:`zipfile.is_zipfile` then says no."""
    with open(path, "rb") as f:
        return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes], label: str) -> None:
    """Inflate ``info`` into ``out`` in pieces (checked: CRC, size limit); errors name ``label``."""
    check_size(info.file_size, label)
    limit, done = settings.max_inflated(), 0
    try:
        with zf.open(info) as member:
            while piece := member.read(1 << 20):
                done += len(piece)
                if done > limit:
                    check_size(done, label)
                out.write(piece)
    except _DAMAGED as exc:
        raise InputError.one(
            Msg("damaged zip member: %(reason)s", reason=str(exc)), file=label
        ) from None


def read_zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    """The member's bytes (:func:`copy_member` into memory)."""
    buf = io.BytesIO()
    copy_member(zf, info, buf, label)
    return buf.getvalue()


class GzipReader:
    """A ``.gz`` file read as a stream: inflated at most to the limit, and a truncated file or a bad
    CRC is an :class:`InputError` naming it (``read`` as a binary file's)."""

    def __init__(self, path: Path, label: str) -> None:
        self.label, self.done, self.limit = label, 0, settings.max_inflated()
        self.raw = gzip.open(path, "rb")  # noqa: SIM115 (closed by close/__exit__)

    def read(self, n: int = -1) -> bytes:
        try:
            data = self.raw.read(n if n >= 0 else self.limit + 1 - self.done)
        except _DAMAGED as exc:
            raise InputError.one(
                Msg("damaged or truncated gzip file: %(reason)s", reason=str(exc)), file=self.label
            ) from None
        self.done += len(data)
        if self.done > self.limit:
            check_size(self.done, self.label)
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> GzipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_gzip(path: Path, label: str) -> bytes:
    """A whole ``.gz`` file inflated (limit and errors as :class:`GzipReader`)."""
    with GzipReader(path, label) as reader:
        return reader.read()
