"""``kb check --lang ru`` (issue 18): every problem line keeps its file, line and field as written and says
its sentence in Russian, from the catalogue; the English output is the library's text, unchanged.

The broken files are the ones tests/kb/test_kb_check.py counts lines in, plus a date YAML cannot read,
a duplicate key, a YAML syntax error and a file in no known folder.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from immunograde.errors import Msg, Problem
from immunograde.kb.check import check_kb
from immunograde.kb.pydantic_text import as_msg, error_text
from immunograde.web import i18n
from immunograde.web.i18n_catalog import library_entries

from .test_kb_check import (
    CLASSES,
    DUE_SUBSTANCE,
    PRODUCTS,
    QUESTION,
    REGULATORY,
    REVIEW,
    SUBSTANCE,
    _write,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
EXTRA = """\
id: extra
name: extra
classes: [l04ac]
colour: blue
source: {file: atc/README.md}
extracted_by: tests
date_reviewed: 2026-13-01
next_review: 2027-11-24
verified: maybe
"""
# line 4: an unknown key; line 7: not a date (YAML cannot read it: the record's check names it); 9: not a bool


def _broken(root: Path) -> Path:
    return _write(root, {
        "classes.yaml": CLASSES, "substances/tocilizumab.yaml": SUBSTANCE, "products/p.yaml": PRODUCTS,
        "questions/toci-mortality.yaml": QUESTION, "regulatory/status.csv": REGULATORY,
        "substances/extra.yaml": EXTRA, "substances/dupkey.yaml": "id: dupkey\nname: x\nname: y\n",
        "questions/syntax.yaml": "id: a\nname: [unclosed\n", "substance/kagocel.yaml": "id: kagocel\n",
    })  # fmt: skip


#: (file, line, field, the Russian sentence): written out by hand from the catalogue's Russian
EXPECTED_RU = [
    ("classes.yaml", 11, "parent", "неизвестная группа 'l04a'"),
    ("classes.yaml", 12, "id", "повторяющийся id среди записей classes (впервые: classes.yaml:7)"),
    ("products/p.yaml", 9, "substances.1", "неизвестное вещество 'ghost'"),
    ("products/p.yaml", 16, "route", "Ожидается 'oral', 'sublingual', "),
    ("questions/syntax.yaml", 3, None, "синтаксическая ошибка YAML: не найдены ожидаемые ',' или ']'"),
    ("questions/toci-mortality.yaml", 11, "data.0.ai", "больше, чем n1i"),
    ("regulatory/status.csv", 2, "status", "Ожидается 'authorised', "),
    ("regulatory/status.csv", 3, "substance", "неизвестное вещество 'nobody'"),
    ("substance/kagocel.yaml", None, None, "файл лежит не в известной папке или имеет неизвестное "
     "расширение, поэтому не читается"),
    ("substances/dupkey.yaml", 1, "classes", "Обязательное поле"),
    ("substances/dupkey.yaml", 3, "name", "повторяющийся ключ"),
    ("substances/extra.yaml", 4, "colour", "Лишние поля не допускаются"),
    ("substances/extra.yaml", 7, "date_reviewed", "Ожидается дата или дата со временем: месяц вне "
     "допустимого диапазона 1–12"),
    ("substances/extra.yaml", 9, "verified", "Ожидается логическое значение (true или false): "
     "значение не удалось понять"),
    ("substances/tocilizumab.yaml", 8, "next_review", "раньше, чем date_reviewed"),
]  # fmt: skip


def _where(file: str, line: int | None, field: str | None) -> str:
    return ": ".join(p for p in (file + (f":{line}" if line else ""), field) if p) + ": "


def test_kb_check_lines_in_russian_name_file_line_field(
    tmp_path: Path, cli_main: Callable[..., tuple[int, str, str]]
) -> None:
    root = _broken(tmp_path)
    code, _out, err = cli_main("kb", "check", "--data", str(root), "--lang", "ru")
    assert code == 6 and "Traceback" not in err
    lines = err.splitlines()
    for file, line, field, sentence in EXPECTED_RU:
        start = "ошибка: " + _where(file, line, field)
        assert any(x.startswith(start + sentence) for x in lines), (start, sentence)
    assert lines[-1].startswith("найдено ") and lines[-1].endswith(" проблем")
    # the sentence after "file:line: field: " holds no English word of its own: what is left in Latin
    # letters is the data's values ('ghost'), field and key names (n1i, date_reviewed) and YAML
    for text in lines[:-1]:
        sentence = re.sub(r"^ошибка: \S+?: (?:[a-z_][\w.]*: )?", "", text)
        words = re.findall(r"[A-Za-z]{3,}", re.sub(r"'[^']*'|\S*[_.0-9]\S*", "", sentence))
        assert set(words) <= {"YAML", "true", "false", "date", "classes"}, text


def test_kb_check_in_english_is_the_library_text(
    tmp_path: Path, cli_main: Callable[..., tuple[int, str, str]]
) -> None:
    root = _broken(tmp_path)
    code, _out, err = cli_main("kb", "check", "--data", str(root))
    problems = check_kb(root, SHARED).problems
    assert code == 6
    assert err.splitlines()[:-1] == [f"error: {p}" for p in problems]
    said = {str(p) for p in problems}
    assert "products/p.yaml:16: route: Input should be 'oral', 'sublingual', 'buccal', 'intravenous', " \
        "'intramuscular', 'subcutaneous', 'intradermal', 'percutaneous', 'parenteral', 'rectal', " \
        "'vaginal', 'intranasal', 'inhalation', 'topical', 'ophthalmic', 'intravesical', " \
        "'intralesional', 'other' or 'unknown'" in said  # fmt: skip
    assert "substances/extra.yaml:7: date_reviewed: Input should be a valid date or datetime, " \
        "month value is outside expected range of 1-12" in said  # fmt: skip
    assert "substances/tocilizumab.yaml:8: next_review: is before date_reviewed" in said
    assert "questions/syntax.yaml:3: YAML syntax error: did not find expected ',' or ']'" in said


def test_a_message_is_its_english_text_and_keeps_its_msgid() -> None:
    message = Msg("trial %(trial)s has no arm %(arm)s", trial="'t1'", arm="'BCG'")
    assert message == "trial 't1' has no arm 'BCG'" and isinstance(message, str)
    again = pickle.loads(pickle.dumps(Problem(message, "q.yaml", 3, "arm1")))
    assert str(again) == "q.yaml:3: arm1: trial 't1' has no arm 'BCG'"
    assert again.message.msgid == message.msgid and again.message.params == message.params
    i18n.use("ru")
    try:
        assert i18n.problem(again) == "q.yaml:3: arm1: в испытании 't1' нет группы 'BCG'"
        cut = Msg("next_review: is before date_reviewed").without("next_review: ")
        assert cut == "is before date_reviewed" and i18n.message(cut) == "раньше, чем date_reviewed"
        assert i18n.message(ValueError(Msg("file is empty"))) == "файл пуст"
        assert i18n.message("not a Msg") == "not a Msg"
    finally:
        i18n.use("en")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int
    kind: str
    share: float
    on: bool


@pytest.mark.parametrize(
    ("raw", "msgid"),
    [
        ({"kind": "a", "share": 1, "on": True}, "Field required"),
        ({"n": "x", "kind": "a", "share": 1, "on": True}, "Input should be a valid integer, unable to parse string as an integer"),
        ({"n": 1.5, "kind": "a", "share": 1, "on": True}, "Input should be a valid integer, got a number with a fractional part"),
        ({"n": 1, "kind": 3, "share": 1, "on": True}, "Input should be a valid string"),
        ({"n": 1, "kind": "a", "share": "x", "on": True}, "Input should be a valid number, unable to parse string as a number"),
        ({"n": 1, "kind": "a", "share": 1, "on": "maybe"}, "Input should be a valid boolean, unable to interpret input"),
        ({"n": 1, "kind": "a", "share": 1, "on": True, "x": 1}, "Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_pydantic_messages_are_rebuilt_exactly(raw: dict[str, object], msgid: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _Model.model_validate(raw)
    (err,) = exc.value.errors()
    text = error_text(err)
    assert text == err["msg"] and isinstance(text, Msg) and text.msgid == msgid


def test_a_pydantic_message_not_rebuilt_exactly_stays_as_written() -> None:
    err = {"type": "missing", "msg": "Field required (a later pydantic's words)", "loc": ("n",)}
    assert not isinstance(as_msg(err), Msg)


def test_validators_field_prefix_survives_translation() -> None:
    """A validator's ``"field: ..."`` message is cut after its field (:meth:`Msg.without`): its Russian
    must start with the same field."""
    prefix = re.compile(r"^(%\(\w+\)s|[a-z_][a-z0-9_.]*): ")
    cat = i18n.translations("ru")
    prefixed = [
        e.msgid for e in library_entries() if isinstance(e.msgid, str) and prefix.match(e.msgid)
    ]
    assert len(prefixed) > 30
    for msgid in prefixed:
        head = prefix.match(msgid)
        assert head and cat.gettext(msgid).startswith(head.group(0)), msgid


def test_review_due_warnings_in_russian(
    tmp_path: Path, cli_main: Callable[..., tuple[int, str, str]]
) -> None:
    classes = (
        REVIEW
        + "records:\n  - {id: l04ac, name: Interleukin inhibitors, kind: atc, atc_code: L04AC}\n"
    )
    root = _write(tmp_path, {"classes.yaml": classes, "substances/tocilizumab.yaml": DUE_SUBSTANCE})
    code, _out, err = cli_main(
        "kb", "check", "--data", str(root), "--today", "2027-02-01", "--lang", "ru"
    )
    assert code == 0 and err.splitlines()[0] == (
        "предупреждение: пора пересмотреть: substances/tocilizumab.yaml:7: substances tocilizumab: "
        "срок next_review (2027-01-10) прошёл"
    )
    code, _out, err = cli_main("kb", "check", "--data", str(root), "--today", "2027-02-01")
    assert err.splitlines()[0] == (
        "warning: review due: substances/tocilizumab.yaml:7: substances tocilizumab: "
        "next_review 2027-01-10 has passed"
    )
