"""Bulk zip members: inflated with ISA-L, checked against the zip directory, errors name the member.

The zips are written here from the real API v2 record NCT03630471 (../shared/data/registries) and
then damaged byte by byte; both import engines must stop with an :class:`InputError` naming the
zip and member and leave the database as it was.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import duckdb
import pytest

from immunograde import settings
from immunograde.errors import InputError
from immunograde.ingest import schema
from immunograde.ingest.ctgov import import_ctgov
from immunograde.ingest.zipmembers import members, read_member

RECORD = settings.shared_data_dir() / "registries" / "ctgov_v2_NCT03630471_no_results.json"
DOC = json.loads(RECORD.read_text(encoding="utf-8"))
DATA = json.dumps(DOC).encode()


def _zip(path: Path, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("ok.json", DATA)
        zf.writestr("study.json", DATA.replace(b"NCT03630471", b"NCT93630471"))
    return path


def _member_offset(path: Path, name: str) -> tuple[int, int]:
    """Where the member's stored bytes start in the file, and how many there are."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = path.read_bytes()
    name_len, extra_len = (int.from_bytes(raw[info.header_offset + k : info.header_offset + k + 2], "little") for k in (26, 28))  # fmt: skip
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def _flip(path: Path, at: int, new: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(new)] = new
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    "compression", (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2)
)
def test_members_read_as_zipfile_reads_them(tmp_path: Path, compression: int) -> None:
    path = _zip(tmp_path / "bulk.zip", compression)
    with zipfile.ZipFile(path) as zf, open(path, "rb") as f:
        got = [read_member(zf, f, info, info.filename) for info in members(zf)]
        assert got == [zf.read(info) for info in members(zf)]
    assert got[0] == DATA


def _db() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    schema.ensure_schema(conn)
    import_ctgov(RECORD, conn)  # something to keep
    return conn


def _fails_cleanly(path: Path, message: str) -> None:
    for engine in ("python", "sql"):
        conn = _db()
        with pytest.raises(InputError) as err:
            import_ctgov(path, conn, engine=engine)
        problem = err.value.problems[0]
        assert (problem.file, engine) == (f"{path}!study.json", engine)
        assert message in problem.message, (engine, problem.message)
        assert conn.execute("SELECT nct_id FROM reg_studies").fetchall() == [("NCT03630471",)]


def test_a_stored_member_changed_after_zipping_fails_its_crc(tmp_path: Path) -> None:
    """Still valid JSON, so only the CRC-32 can tell (the title's first letter is changed)."""
    path = _zip(tmp_path / "bulk.zip", zipfile.ZIP_STORED)
    start, size = _member_offset(path, "study.json")
    at = path.read_bytes().index(b'"briefTitle": "', start) + len(b'"briefTitle": "')
    assert at < start + size
    _flip(path, at, b"Z")
    _fails_cleanly(path, "size or CRC-32 differs from the zip directory")


def test_damaged_deflate_data_is_named(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bulk.zip")
    start, _ = _member_offset(path, "study.json")
    _flip(path, start, b"\xff\xff\xff\xff")  # an invalid block type at the start of the stream
    with zipfile.ZipFile(path) as zf, pytest.raises((zlib.error, zipfile.BadZipFile)):
        zf.read("study.json")  # zlib agrees that the stream is damaged
    _fails_cleanly(path, "damaged zip member")


def test_a_member_whose_local_header_is_gone_is_named(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bulk.zip")
    with zipfile.ZipFile(path) as zf:
        offset = zf.getinfo("study.json").header_offset
    _flip(path, offset, b"XXXX")
    _fails_cleanly(path, "bad local file header")
