"""The reader's language: English or Russian, from ``?lang=`` first, then ``Accept-Language``, else English.

Messages live in gettext catalogues, ``src/immunograde/locale/<lang>/LC_MESSAGES/messages.po`` (edited
and reviewed as text; ``tools/i18n.py update`` re-extracts them).  They are compiled when first used, so a
fresh clone needs no build step (the result cached beside the ``.po``: :func:`load_catalogue`); fuzzy entries
are left out, as ``msgfmt`` does.

The language is chosen once per request by :class:`LanguageMiddleware` and kept in a context variable,
which the templates' ``_()`` / ``{% trans %}`` and the ``tr`` filter read.  Page data and the JSON twins
stay in English (the data's own words): translation happens only when a page is rendered.
"""

from __future__ import annotations

import gettext as _gettext
import re
import struct
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup

    from immunograde.errors import Problem

LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT = "en"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"

_lang: ContextVar[str] = ContextVar("immunograde_lang", default=DEFAULT)
_in_url: ContextVar[bool] = ContextVar("immunograde_lang_in_url", default=False)
Message = MutableMapping[str, Any]


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (fuzzy and empty entries left out); English is the msgids."""
    path = po_path(lang)
    if lang == DEFAULT or not path.exists():
        return _gettext.NullTranslations()
    return load_catalogue(path, lang)


def load_catalogue(path: Path, lang: str) -> _gettext.GNUTranslations:
    """The ``.po`` at ``path`` compiled, kept as ``__pycache__/messages.<sha256 of the .po>.mo`` beside it
    as Python keeps bytecode: loading that with the standard library takes ~3 ms, compiling the ``.po``
    with Babel ~70 ms (what every Russian command paid at start: benchmarks/results/meta_cli.md).  A
    changed ``.po`` has another name; a damaged cache file is compiled again; an unwritable folder (or
    ``PYTHONDONTWRITEBYTECODE``) only costs the saving."""
    import hashlib
    import os
    import sys

    data = path.read_bytes()
    folder = path.parent / "__pycache__"
    cached = folder / f"{DOMAIN}.{hashlib.sha256(data).hexdigest()[:20]}.mo"
    try:
        return _gettext.GNUTranslations(BytesIO(cached.read_bytes()))
    except (OSError, ValueError, LookupError, struct.error):  # absent or damaged: compile again
        pass
    mo = compile_po(data, lang)
    if not sys.dont_write_bytecode:
        try:
            folder.mkdir(exist_ok=True)
            for old in folder.glob(f"{DOMAIN}.*.mo"):
                if old != cached:
                    old.unlink(missing_ok=True)  # an older .po's
            tmp = folder / f".{cached.name}.{os.getpid()}.tmp"
            tmp.write_bytes(mo)
            tmp.replace(cached)
        except OSError:
            pass
    return _gettext.GNUTranslations(BytesIO(mo))


def compile_po(data: bytes, lang: str) -> bytes:
    """A ``.po`` file's bytes as ``.mo`` bytes, fuzzy entries left out (as ``msgfmt`` does)."""
    # Babel is imported here, not at the top: English (``--help``, ``meta``) never needs it, and a
    # cached catalogue neither
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(BytesIO(data), locale=lang, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def parse_accept_language(header: str | None) -> str | None:
    """The supported language the ``Accept-Language`` header prefers most (``q`` weights), if any."""
    best: tuple[float, int, str] | None = None
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, primary)
    return best[2] if best else None


def negotiate(query_lang: str | None, accept_language: str | None) -> tuple[str, bool]:
    """``(language, chosen_in_url)``: ``?lang=`` wins, then ``Accept-Language``, then English."""
    if query_lang and query_lang.lower() in LANGUAGES:
        return query_lang.lower(), True
    return parse_accept_language(accept_language) or DEFAULT, False


def from_scope(scope: Message) -> tuple[str, bool]:
    from urllib.parse import parse_qsl

    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    accept = None
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            accept = value.decode("latin-1")
    return negotiate(query.get("lang"), accept)


class LanguageMiddleware:
    """ASGI middleware: choose the language, keep it for the request, and say so in the response."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:  # fmt: skip
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lang, in_url = from_scope(scope)
        tokens = (_lang.set(lang), _in_url.set(in_url))

        async def tag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = next((v for k, v in headers if k == b"content-type"), b"")
                if kind.startswith(b"text/html"):
                    headers.append((b"content-language", lang.encode()))
                if kind.startswith((b"text/html", b"image/", b"application/pdf")):  # charts too
                    headers.append((b"vary", b"Accept-Language"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            return await self.app(scope, receive, tag)
        finally:
            _lang.reset(tokens[0])
            _in_url.reset(tokens[1])


def current() -> str:
    return _lang.get()


def use(lang: str) -> None:
    """Set the language outside a request (the CLI, tests)."""
    _lang.set(lang if lang in LANGUAGES else DEFAULT)


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the sense ``context`` (the same English word translated another way)."""
    return translations(current()).pgettext(context, message)


def message(text: object) -> str:
    """A message raised by the library (an :class:`immunograde.errors.Msg`: an English msgid and its
    parameters) in the reader's language; any other text as written."""
    from immunograde.errors import Msg, translated

    if isinstance(text, BaseException) and len(text.args) == 1 and isinstance(text.args[0], Msg):
        text = text.args[0]  # raise SomeError(Msg(...))
    return str(text) if current() == DEFAULT else translated(text, gettext, _decimal)


def problem(found: Problem) -> str:
    """``file:line: field: message`` with the message in the reader's language (the file, line and
    field as written: they name what to open)."""
    return str(found) if current() == DEFAULT else found.render(gettext, _decimal)


_ENGLISH_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+\.\d+(?:e[+-]?\d+)?")


def _decimal(value: Any) -> Any:
    """A message's parameter that is a number written the English way ("1.5", "131,072": from
    ``format(x, "g")`` or ``format(n, ",")``) with the reader's decimal sign and digit groups; any
    other parameter as it is."""
    if isinstance(value, str) and _ENGLISH_NUMBER.fullmatch(value):
        return number(value)
    if isinstance(value, float):  # "%s" % 2.0 is "2.0": the same digits with the reader's sign
        return number(str(value))
    return value


@cache
def _symbols(lang: str) -> tuple[str, str]:
    """(decimal sign, group separator) of ``lang`` from Babel's CLDR data: Russian ``,`` and a
    no-break space."""
    from babel import Locale

    symbols = Locale.parse(lang).number_symbols["latn"]
    return symbols["decimal"], symbols["group"]


def number_symbols(lang: str | None = None) -> tuple[str, str]:
    """(decimal sign, digit-group separator) of the reader's language (``.``/``,`` in English)."""
    lang = lang or current()
    return (".", ",") if lang == DEFAULT else _symbols(lang)


def number(value: Any, spec: str = ".2f", *, lang: str | None = None) -> str:
    """``value`` formatted with the format ``spec`` (``.2f``, ``,.0f``, ``.3g``, ``.1%``) and written
    with the decimal sign and digit grouping of the reader's language: ``0.85`` / ``0,85``,
    ``1,036`` / ``1 036`` (no-break space).  The one helper every page and command uses to show a number
    as text; never for JSON, CSV or URLs (they keep Python's ``0.85``).  ``None`` -> ``—``; what is not a
    number is returned as text; a string is taken as a number already formatted the English way."""
    if value is None:
        return "—"
    if isinstance(value, str):  # already formatted by the layer below ("0.85", "1,036")
        text = value
    else:
        try:
            text = format(value, spec)
        except (TypeError, ValueError):
            return str(value)
    lang = lang or current()
    if lang == DEFAULT:
        return text
    decimal, group = _symbols(lang)
    return "".join(decimal if c == "." else group if c == "," else c for c in text)


def localise_numbers(text: str, *, lang: str | None = None) -> str:
    """Decimal points inside already formatted prose (``RR 0.85 (0.72 to 0.99)``) in the reader's
    language: a ``.`` between two digits becomes the language's decimal sign.  For sentences built by
    the layers below the surfaces (grading reasons, SoF cells); identifiers with dots between digits
    (versions, dates, ATC codes) must not pass through it."""
    lang = lang or current()
    if lang == DEFAULT or "." not in text:
        return text
    decimal, _group = _symbols(lang)
    return _DECIMAL_POINT.sub(decimal, text)


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def estimate(value: Any, low: Any, high: Any, spec: str = ".2f", *, lang: str | None = None) -> str:
    """An estimate with its interval: ``0.85 (0.72 to 0.99)`` in English, ``0,85 (0,72–0,99)`` in
    Russian (``(от -0,50 до 0,30)`` when a bound is negative, where a dash would read as a minus)."""
    lang = lang or current()
    est = number(value, spec, lang=lang)
    if low is None or high is None:
        return est
    lo, hi = number(low, spec, lang=lang), number(high, spec, lang=lang)
    if lang == DEFAULT:
        return f"{est} ({lo} to {hi})"
    try:
        negative = float(low) < 0 or float(high) < 0
    except (TypeError, ValueError):
        negative = True
    if negative:
        return f"{est} (" + translations(lang).gettext("%(low)s to %(high)s") % {
            "low": lo, "high": hi} + ")"  # fmt: skip
    return f"{est} ({lo}–{hi})"


def tr(value: Any) -> Any:
    """Template filter: a data label (a verdict, a certainty) in the reader's language, unescaped text."""
    if not isinstance(value, str) or not value:
        return value
    return translations(current()).gettext(value)


def term(value: Any) -> Any:
    """Template filter: a vocabulary key (``not_submitted``, ``intranasal``) as words, translated."""
    if not isinstance(value, str) or not value:
        return value
    head, comma, rest = value.partition(
        ", "
    )  # a form: "oral, film-coated tablet" (the route is a term, the detail is in locale/<lang>/forms.yaml)
    if rest and current() != DEFAULT:
        from immunograde.web.i18n_glossary import form_detail

        rest = form_detail(rest)
    return tr(head.replace("_", " ")) + comma + rest


def certainty_label(level: str | None) -> str:
    """Template filter: a GRADE certainty key as its label in ``rules.yaml``, translated."""
    from immunograde.evidence.rules import load_rules

    levels = load_rules().certainty_levels["levels"]
    return tr(levels[level]["label"] if level in levels else "not graded")


def verdict_label(verdict: str | None) -> str:
    """Template filter: a verdict key as its label in ``rules.yaml``, translated."""
    from immunograde.evidence.rules import load_rules

    labels = load_rules().verdicts.labels
    return tr(labels.get(verdict or "", (verdict or "").replace("_", " ")))


def link(path: str) -> str:
    """An internal link that keeps ``?lang=`` when the reader chose the language in the URL."""
    if not _in_url.get() or not path.startswith("/") or path.startswith(("/static/", "/api/")):
        return path
    from urllib.parse import parse_qsl, urlencode

    path, hash_, fragment = path.partition("#")
    base, _, query = path.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    params.append(("lang", current()))
    return f"{base}?{urlencode(params)}{hash_}{fragment}"


def lang_field() -> Markup:
    """A hidden form field that keeps ``?lang=`` across a GET form."""
    from markupsafe import Markup

    if not _in_url.get():
        return Markup("")
    return Markup('<input type="hidden" name="lang" value="{}">').format(current())


def switch(path: str, query: str) -> list[dict[str, Any]]:
    """The language switch: this page in each language (the other query parameters kept)."""
    from urllib.parse import parse_qsl, urlencode

    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return [
        {"code": code, "name": name, "current": code == current(),
         "href": f"{path}?{urlencode([*params, ('lang', code)])}"}
        for code, name in LANGUAGES.items()
    ]  # fmt: skip
