"""Shared machinery of the fuzz suite (issue 19): how many inputs, the mutations, the invariants.

Every target is run in-process on inputs made by mutating the real samples (``../shared/data`` and
``examples/``): truncation, wrong types, huge numbers, NaN/inf, negative counts, events > n, encodings,
BOMs, deep nesting, damaged archives.  The invariant for every input: the command ends with exit 0
and correct stored values, or with exit 3 and a message naming the file; never a traceback, never
a hang, never a changed database after a refused import.

How many inputs: ``IMMUNOGRADE_FUZZ_EXAMPLES`` per target (default :data:`BOUNDED`, the bounded run of
the normal suite, deterministic); ``make fuzz`` sets 10,000 and lets hypothesis pick fresh inputs.
``IMMUNOGRADE_FUZZ_STATS=DIR`` writes each target's figures (inputs, accepted, refused, slowest) as
``DIR/<target>.json`` (benchmarks/results/reliability_inputs.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from immunograde.errors import InputError

BOUNDED = 100  #: inputs per target in the normal suite (cheaper targets; see :func:`fuzz`)
_ENV = os.environ.get("IMMUNOGRADE_FUZZ_EXAMPLES")
EXAMPLES = int(_ENV) if _ENV else BOUNDED
#: a hang: one input using more than HANG_SECONDS of CPU (a loop), or waiting more than
#: HANG_WALL_SECONDS of wall time (a lock never released).  CPU time, not wall time, for the first:
#: at nice 15 on a shared 2-core machine (load 16) an input of 6 s CPU took 45 s of wall time.
HANG_SECONDS = float(os.environ.get("IMMUNOGRADE_FUZZ_HANG", "30"))
HANG_WALL_SECONDS = float(os.environ.get("IMMUNOGRADE_FUZZ_HANG_WALL", "300"))
#: DuckDB threads of the databases the targets open (one: ~30 % less CPU per small input, and the
#: runs of several targets side by side do not fight over the cores; results do not depend on it)
THREADS = 1
#: every RECHECK-th repeat of a remembered result is computed again and compared (:class:`Remembered`)
RECHECK = 25


def fuzz(bounded: int = BOUNDED) -> settings:
    """Hypothesis settings of a target: ``IMMUNOGRADE_FUZZ_EXAMPLES`` inputs (``make fuzz``: fresh
    ones each run, the failures kept in .hypothesis/), else ``bounded`` inputs, the same each run
    (the normal suite: the targets that cost ~0.5 s per input get fewer)."""
    return settings(
        max_examples=int(_ENV) if _ENV else bounded,
        deadline=None,  # a hang is judged by HANG_SECONDS, not by hypothesis' per-example deadline
        derandomize=not _ENV,
        database=settings.default.database if _ENV else None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


FUZZ = fuzz()


# -- weird values ---------------------------------------------------------------------------------

#: text that a number field should refuse (or, for some fields, accept): the attacker's list
WEIRD_TEXT = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "1e-160", "-1",
              "-0", "0", "1.5", "9" * 25, "-" + "9" * 25, "", " ", "NA", "null", "²", "１２", "٣",
              "1,5", "0x10", "1_000", "+3", ".", "e5", "1e", "--1", "\u00a0", "'", '"', "\\",
              "x" * 1500, "\u202e", "\x00", "<b>", "1e15", "1e16", "-1e15", "2e-30", "1e-31"]  # fmt: skip
#: JSON values of the wrong type or an odd size
WEIRD_JSON: list[Any] = [None, True, False, -1, 0, -(2**63) - 1, 2**64, 10**40, 1.5, -0.0, 1e308,
                         "", "-5", "nan", "Infinity", "1e400", "²", "x" * 5000, [], {}, [1, 2],
                         {"a": 1}, [[[[[]]]]], "NCT1234", "NCT0000000１"]  # fmt: skip


def nested(depth: int) -> str:
    """``depth`` nested JSON arrays."""
    return "[" * depth + "]" * depth


# -- byte-level mutations (applied to any file) ---------------------------------------------------


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    """One damage to ``data``: truncation, flipped/inserted/deleted bytes, a BOM, another encoding."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "dup", "bom", "utf16",
                                 "latin1", "nul", "crlf", "cr"]))  # fmt: skip
    n = len(data)
    at = draw(st.integers(0, max(0, n)))
    if kind == "truncate":
        return data[:at], kind
    if kind == "flip" and n:
        at = min(at, n - 1)
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :], kind
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:], kind
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :], kind
    if kind == "dup":
        return data[:at] + data[at : at + 200] + data[at:], kind
    if kind == "bom":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data, kind
    if kind == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16"), kind
    if kind == "latin1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace"), kind
    if kind == "nul":
        return data[:at] + b"\x00" + data[at:], kind
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n"), kind
    return data.replace(b"\n", b"\r"), kind


# -- archives -------------------------------------------------------------------------------------


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@st.composite
def archive_damage(draw: st.DrawFn, data: bytes) -> tuple[bytes, str]:
    """Damage to a zip or gzip file: cut, a flipped byte in the data or the directory, or nothing."""
    kind = draw(st.sampled_from(["none"] * 5 + ["truncate", "flip", "flip-tail", "empty"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))], kind
    if kind in ("flip", "flip-tail") and data:
        lo = len(data) * 3 // 4 if kind == "flip-tail" else 0
        at = draw(st.integers(lo, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :], kind
    if kind == "empty":
        return (make_zip({}) if data[:2] == b"PK" else b""), kind
    return data, kind


# -- JSON-tree mutations --------------------------------------------------------------------------


def _paths(obj: Any) -> list[tuple[Any, ...]]:
    """Every path in ``obj`` (an object's keys, a list's first 5 items), depth first, the root
    first (the same list, in the same order, as the generator it replaced: half the time)."""
    out: list[tuple[Any, ...]] = []

    def walk(o: Any, prefix: tuple[Any, ...]) -> None:
        out.append(prefix)
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, (*prefix, k))
        elif isinstance(o, list):
            for i, v in enumerate(o[:5]):
                walk(v, (*prefix, i))

    walk(obj, ())
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = value
    return obj


def _delete(obj: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return obj
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    del parent[path[-1]]
    return obj


@st.composite
def json_mutation(draw: st.DrawFn, doc: Any, hot: list[tuple[Any, ...]]) -> tuple[Any, list[str]]:
    """1-3 changes to a copy of ``doc``: a value replaced by a weird one (more often at the ``hot``
    paths: counts, ids, numbers the importer reads), a key deleted, a value nested deeply."""
    doc = json.loads(json.dumps(doc))
    notes = []
    for _ in range(draw(st.integers(1, 3))):
        use_hot = [p for p in hot if _exists(doc, p)]
        path = draw(st.sampled_from(use_hot)) if use_hot and draw(st.booleans()) else \
            draw(st.sampled_from(_paths(doc)))  # fmt: skip
        kind = draw(st.sampled_from(["weird", "weird", "delete", "nest", "text-number"]))
        if kind == "delete" and path:
            doc = _delete(doc, path)
        elif kind == "nest":
            doc = _set(doc, path, json.loads(nested(draw(st.integers(2, 60)))))
        elif kind == "text-number":
            doc = _set(doc, path, draw(st.sampled_from(WEIRD_TEXT)))
        else:
            doc = _set(doc, path, json.loads(json.dumps(draw(st.sampled_from(WEIRD_JSON)))))
        notes.append(f"{kind} {'/'.join(map(str, path))}")
    return doc, notes


def _exists(doc: Any, path: tuple[Any, ...]) -> bool:
    """``path`` leads through objects and arrays (a string can be indexed, but not assigned to)."""
    try:
        for k in path:
            if not isinstance(doc, (dict, list)):
                return False
            doc = doc[k]
    except (KeyError, IndexError, TypeError):
        return False
    return True


# -- running a target and judging the outcome ---------------------------------------------------


@dataclass
class Stats:
    """One target's figures for benchmarks/results/reliability_inputs.md."""

    target: str
    inputs: int = 0
    accepted: int = 0
    refused: int = 0
    tracebacks: int = 0
    silently_wrong: int = 0
    hangs: int = 0
    slowest_s: float = 0.0  #: wall
    slowest_cpu_s: float = 0.0
    seconds: float = 0.0  #: time spent in the target itself (not in making the inputs)
    #: CPU time of the process (all threads) from this target's first input to its last: making the
    #: inputs, the target and the checks
    cpu_seconds: float = 0.0
    started_cpu: float = field(default_factory=time.process_time, repr=False)
    remembered: dict[str, int] | None = None  #: a :class:`Remembered`'s calls / repeats / rechecked

    def save(self) -> None:
        out = os.environ.get("IMMUNOGRADE_FUZZ_STATS")
        if not out:
            return
        Path(out).mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data["seconds"] = round(self.seconds, 1)
        data.pop("started_cpu")
        data["cpu_seconds"] = round(self.cpu_seconds, 1)
        data["seed"] = os.environ.get("IMMUNOGRADE_FUZZ_SEED") or "random"
        data["examples_setting"] = _ENV or "bounded"
        name = "".join(ch for ch in self.target.replace(" ", "_") if ch not in "()")
        (Path(out) / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")


STATS: dict[str, Stats] = {}


def stats(target: str) -> Stats:
    return STATS.setdefault(target, Stats(target))


def save_all() -> None:
    for s in STATS.values():
        s.save()


class Failure(AssertionError):
    """The invariant broke (a traceback, a hang, a silently wrong result): hypothesis shrinks it."""


@dataclass
class Outcome:
    code: int
    err: str
    out: str
    error: InputError | None = None
    value: Any = None


def judged(target: str, run: Callable[[], Outcome]) -> Outcome:
    """Run one input; count it; a traceback or a hang fails the test with the traceback."""
    s = stats(target)
    s.inputs += 1
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        outcome = run()
    except InputError as exc:
        outcome = Outcome(3, str(exc), "", exc)
    except Exception as exc:  # the invariant: never a traceback
        s.tracebacks += 1
        s.save()
        raise Failure(f"{target}: traceback\n{''.join(traceback.format_exception(exc))}") from exc
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    s.seconds += elapsed
    s.cpu_seconds = time.process_time() - s.started_cpu
    s.slowest_s = round(max(s.slowest_s, elapsed), 3)
    s.slowest_cpu_s = round(max(s.slowest_cpu_s, cpu), 3)
    if cpu > HANG_SECONDS or elapsed > HANG_WALL_SECONDS:
        s.hangs += 1
        s.save()
        raise Failure(f"{target}: took {cpu:.1f} s of CPU, {elapsed:.1f} s wall (hang)")
    if outcome.code == 0:
        s.accepted += 1
    elif outcome.code == 3:
        s.refused += 1
    else:
        s.tracebacks += 1
        s.save()
        raise Failure(f"{target}: exit {outcome.code}\n{outcome.err}")
    if s.inputs % 250 == 0:
        s.save()  # progress of a long run
    return outcome


def wrong(target: str, message: str) -> Failure:
    s = stats(target)
    s.silently_wrong += 1
    s.save()
    return Failure(f"{target}: silently wrong: {message}")


def run_cli(argv: list[str]) -> Outcome:
    """``immunograde ARGV`` in this process: exit code, stderr, stdout (tracebacks propagate)."""
    from immunograde.cli.main import main

    err, out = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    return Outcome(int(code or 0), err.getvalue(), out.getvalue())


def names_file(outcome: Outcome, path: Path) -> bool:
    """A refusal names the file: every problem is about ``path``, a ``path!member`` of a zip or a
    file in the folder ``path``."""
    if outcome.error is not None:
        return all(p.file and _within(p.file, path) for p in outcome.error.problems)
    lines = outcome.err.strip().splitlines()
    return bool(lines) and all(
        line.startswith("error: ") and _within(line.removeprefix("error: "), path) for line in lines
    )


def _within(text: str, path: Path) -> bool:
    return any(text.startswith(str(path) + end) for end in ("", "!", "/"))


class Remembered:
    """``func`` (a pure function) with its results remembered by ``key(*args, **kwargs)``.

    A repeat returns the remembered result; every :data:`RECHECK`-th repeat calls ``func`` again
    and fails unless the result is equal (so the memo can never hide a change of behaviour).
    ``calls``, ``repeats`` and ``rechecked`` say how much it saved."""

    def __init__(self, func: Callable[..., Any], key: Callable[..., bytes], what: str) -> None:
        self.func, self.key, self.what = func, key, what
        self.memo: dict[bytes, Any] = {}
        self.calls = self.repeats = self.rechecked = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        k = self.key(*args, **kwargs)
        if k not in self.memo:
            self.memo[k] = self.func(*args, **kwargs)  # an exception is not remembered
            return self.memo[k]
        self.repeats += 1
        if self.repeats % RECHECK == 0:
            self.rechecked += 1
            again = self.func(*args, **kwargs)
            if repr(again) != repr(self.memo[k]):
                raise Failure(f"{self.what}: not a pure function: {again!r} != {self.memo[k]!r}")
        return self.memo[k]

    def counts(self) -> dict[str, int]:
        return {"calls": self.calls, "repeats": self.repeats, "rechecked": self.rechecked}


# -- the database: a dump to compare before and after ---------------------------------------------


def dump(conn: duckdb.DuckDBPyConnection) -> str:
    """A checksum of the whole database's content: per table its row count and the sum of its rows'
    hashes (order-independent), in one query."""
    names = [r[0] for r in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]  # fmt: skip
    if not names:
        return ""
    sql = " UNION ALL ".join(
        f"SELECT '{n}' AS t, count(*) AS n, sum(hash(x)::HUGEINT) AS h FROM \"{n}\" x"
        for n in names
    )
    return repr(conn.execute(f"SELECT * FROM ({sql}) ORDER BY t").fetchall())


def non_finite(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """``table.column`` of every stored DOUBLE that is NaN or infinite (never allowed), in one query
    (one count per column, as the query per column it replaced)."""
    cols = conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'DOUBLE' "
        "AND NOT internal"
    ).fetchall()
    if not cols:
        return []
    sql = " UNION ALL ".join(
        f'SELECT \'{t}.{c}\' AS col, count(*) FILTER (WHERE NOT isfinite("{c}")) AS n FROM "{t}"'
        for t, c in cols
    )
    return [col for col, n in conn.execute(sql).fetchall() if n]


def finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
