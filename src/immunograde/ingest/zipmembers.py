"""Zip members of a bulk download, inflated fast and checked, with errors that name the member.

ClinicalTrials.gov's bulk download is a zip of one deflated JSON file per study.  Inflating is a
large share of an import, so members are inflated here with ISA-L (``isal``, about three times
faster than zlib; the same RFC 1951 inflate), and every member's CRC-32 and size are checked
against the zip directory.  Members stored with another method (bzip2, lzma) or encrypted
are read by :mod:`zipfile` itself.
The size limit of every inflated member (``IMMUNOGRADE_MAX_INFLATED_MB``) and the other archive
checks are in :mod:`immunograde.archives`.
"""

from __future__ import annotations

import struct
import zipfile
from typing import BinaryIO, cast

from isal import isal_zlib as _inflater

from immunograde.archives import check_size
from immunograde.errors import InputError, Msg

_INFLATE_ERROR = cast("type[Exception]", _inflater.error)

_LOCAL_HEADER = struct.Struct("<4s22xHH")  #: signature, (skipped), name length, extra length


def members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The ``*.json`` files of the zip, in directory order."""
    return [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".json")]


def read_member(zf: zipfile.ZipFile, f: BinaryIO, info: zipfile.ZipInfo, label: str) -> bytes:
    """The member's bytes, inflated and checked; ``f`` is the zip file opened for reading.

    A damaged member (bad local header, invalid deflate data, wrong size or CRC-32) raises an
    :class:`InputError` naming ``label`` (the zip and member).
    """
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        try:
            with zf.open(info) as member:
                return member.read()
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise InputError.one(
                Msg("cannot read this zip member: %(reason)s", reason=str(exc)), file=label
            ) from None
    check_size(info.file_size, label)
    f.seek(info.header_offset)
    signature, name_len, extra_len = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise InputError.one(Msg("damaged zip member: bad local file header"), file=label)
    f.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    data = f.read(info.compress_size)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            inflater = _inflater.decompressobj(-15)
            data = inflater.decompress(data, info.file_size + 1)
        except _INFLATE_ERROR as exc:  # damaged deflate data
            raise InputError.one(
                Msg("damaged zip member: %(reason)s", reason=str(exc)), file=label
            ) from None
    if len(data) != info.file_size or _inflater.crc32(data) != info.CRC:
        raise InputError.one(
            Msg("damaged zip member: size or CRC-32 differs from the zip directory"), file=label
        )
    return data
