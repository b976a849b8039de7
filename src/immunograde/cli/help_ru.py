"""The command line's help and usage errors in the reader's language (issue 18).

Imported only when :func:`immunograde.cli.helplang.of_command_line` says the language is not English
(English help is the commands' own text, byte for byte, and never loads a catalogue).

- Our words: a command's help is translated paragraph by paragraph (the msgid is the paragraph with its
  white space collapsed: click re-wraps it anyway); an example paragraph (``\\b`` then ``Example: ...``)
  keeps its command lines as written and only its ``Example:`` is translated; each option's and
  argument's help is one msgid.  :func:`help_entries` lists them for ``tools/i18n.py update`` from the
  commands themselves (every command module is imported there), so a new option's help shows up in the
  catalogue as untranslated and fails tests/web/test_translations.py.
- Click's words (typer vendors click without gettext): ``Usage:``, the section headings, ``[default:
  ...]``, ``[required]``, ``Show this message and exit.``, and the usage errors' sentences are translated
  by :class:`Formatter` (the help formatter click's context makes, see :func:`speaking`) and
  :func:`show_usage_error`, with the msgids marked here (context ``command-line help``).
- The commands are translated as copies (:func:`translated`), so the cached English command objects
  stay English for the next invocation in the same process (tests run many).
"""

from __future__ import annotations

import copy
import inspect
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from typer import _click

from immunograde.web import i18n

CONTEXT = "command-line help"
EXAMPLE = re.compile(r"^(\s*)Example:", re.M)
COMMENT = re.compile(r"(\S {3,})(\(.*\))$", re.M)  # "Example: immunograde serve   (then open ...)"
EXTRA = re.compile(
    r"^(?P<help>.*?)(?P<space>\s*)\[(?P<extra>(?:default: |required|env var: ).*)\]$", re.S
)


_speaking = [i18n.DEFAULT]  # the help's language (:func:`speaking`); a command's callback may set
# i18n's current language for its own output (``market --lang``) before a subcommand's help is shown


def pgettext(context: str, message: str) -> str:
    """``message`` in the help's language (Babel extracts the literal calls below with their context)."""
    return str(i18n.translations(_speaking[-1]).pgettext(context, message))


def _(message: str) -> str:
    return str(i18n.translations(_speaking[-1]).gettext(message))


def msgid(paragraph: str) -> str:
    """A help paragraph as its catalogue entry: white space collapsed."""
    return " ".join(paragraph.split())


def paragraphs(text: str) -> list[str]:
    return inspect.cleandoc(text).split("\n\n")


def translate_help(text: str | None) -> str | None:
    """A command's help (or epilog) in the current language, paragraph by paragraph."""
    if not text:
        return text
    out = []
    example = pgettext("command-line help", "Example:")
    for par in paragraphs(text):
        if par.startswith(
            "\b"
        ):  # examples: command lines as written, a comment after them translated
            par = EXAMPLE.sub(lambda m: m.group(1) + example, par)
            out.append(COMMENT.sub(lambda m: m.group(1) + _(m.group(2)), par))
        else:
            out.append(_(msgid(par)))
    return "\n\n".join(out)


def translated(cmd: Any) -> Any:
    """A copy of ``cmd`` (and of its parameters and subcommands) with its help in the current language."""
    new = copy.copy(cmd)
    new.help = translate_help(cmd.help)
    new.epilog = translate_help(cmd.epilog)
    if cmd.short_help:
        new.short_help = _(msgid(cmd.short_help))
    new.params = []
    for param in cmd.params:
        param = copy.copy(param)
        if getattr(param, "help", None):
            param.help = _(msgid(param.help))
        new.params.append(param)
    new._help_option = None  # made again (its help translated by the formatter)
    if getattr(cmd, "commands", None):
        new.commands = {name: translated(sub) for name, sub in cmd.commands.items()}
    return new


def extra_text(extra: str) -> str:
    """``default: REML; required`` (typer's bracketed note after an option's help) translated."""
    parts = []
    for part in extra.split("; "):
        name, sep, value = part.partition(": ")
        if part == "required":
            parts.append(pgettext("command-line help", "required"))
        elif sep and name == "default":
            parts.append(pgettext("command-line help", "default: %(value)s") % {"value": value})
        elif sep and name == "env var":
            parts.append(pgettext("command-line help", "env var: %(value)s") % {"value": value})
        else:
            parts.append(part)
    return "; ".join(parts)


def heading(name: str) -> str:
    headings = {
        "Options": lambda: pgettext("command-line help", "Options"),
        "Arguments": lambda: pgettext("command-line help", "Arguments"),
        "Commands": lambda: pgettext("command-line help", "Commands"),
    }
    return headings[name]() if name in headings else name


class Formatter(_click.HelpFormatter):
    """Click's help formatter speaking the current language: usage prefix, headings, option notes."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = pgettext("command-line help", "Usage:") + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading_: str) -> None:
        super().write_heading(heading(heading_))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, self._definition(text)) for term, text in rows], col_max,
                         col_spacing)  # fmt: skip

    @staticmethod
    def _definition(text: str) -> str:
        if text == "Show this message and exit.":
            return pgettext("command-line help", "Show this message and exit.")
        match = EXTRA.match(text)
        if match is None:
            return text
        return f"{match['help']}{match['space']}[{extra_text(match['extra'])}]"


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Help and usage errors in ``lang`` while the block runs (click's contexts make :class:`Formatter`)."""
    before = _click.Context.formatter_class
    _speaking.append(lang)
    _click.Context.formatter_class = Formatter
    try:
        yield
    finally:
        _click.Context.formatter_class = before
        _speaking.pop()


ERRORS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"No such option: (?P<name>\S+)$"),
     lambda: pgettext("command-line help", "No such option: %(name)s")),
    (re.compile(r"No such option: (?P<name>\S+) \(Possible options: (?P<names>.+)\)$"),
     lambda: pgettext("command-line help", "No such option: %(name)s (possible options: %(names)s)")),
    (re.compile(r"No such command (?P<name>.+)\.$"),
     lambda: pgettext("command-line help", "No such command %(name)s.")),
    (re.compile(r"Missing command\.$"), lambda: pgettext("command-line help", "Missing command.")),
    (re.compile(r"Missing argument (?P<name>.+)\.$"),
     lambda: pgettext("command-line help", "Missing argument %(name)s.")),
    (re.compile(r"Missing option (?P<name>.+)\.$"),
     lambda: pgettext("command-line help", "Missing option %(name)s.")),
    (re.compile(r"Option (?P<name>\S+) requires an argument\.$"),
     lambda: pgettext("command-line help", "Option %(name)s requires an argument.")),
    (re.compile(r"Option (?P<name>\S+) does not take a value\.$"),
     lambda: pgettext("command-line help", "Option %(name)s does not take a value.")),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$"),
     lambda: pgettext("command-line help", "Got unexpected extra arguments (%(args)s)")),
    (re.compile(r"Invalid value for (?P<name>\S+): (?P<value>\S+) is not a valid float\.$"),
     lambda: pgettext("command-line help", "Invalid value for %(name)s: %(value)s is not a valid number.")),
    (re.compile(r"Invalid value for (?P<name>\S+): (?P<value>\S+) is not a valid integer\.$"),
     lambda: pgettext("command-line help", "Invalid value for %(name)s: %(value)s is not a valid "
                                            "integer.")),
    (re.compile(r"Invalid value for (?P<name>\S+): (?P<value>\S+) is not a valid (?P<type>\w+)\.$"),
     lambda: pgettext("command-line help", "Invalid value for %(name)s: %(value)s is not a valid "
                                            "%(type)s.")),
    (re.compile(r"Invalid value for (?P<name>\S+): (?P<value>\S+) is not one of (?P<names>.+)\.$"),
     lambda: pgettext("command-line help", "Invalid value for %(name)s: %(value)s is not one of "
                                            "%(names)s.")),
]  # fmt: skip


def error_text(message: str) -> str:
    """One of click's usage-error sentences in the current language (an unknown one as it is)."""
    for pattern, text in ERRORS:
        match = pattern.match(message)
        if match is not None:
            return str(text() % match.groupdict())
    return message


def show_usage_error(exc: Any, file: IO[str] | None = None) -> None:
    """``exc.show()`` (click's usage error: usage line, hint, ``Error: ...``) in the current language."""
    file = file if file is not None else sys.stderr
    kind = type(exc).show
    if kind not in (_click.exceptions.UsageError.show, _click.exceptions.ClickException.show):
        exc.show(file)  # its own words: the help itself (no arguments given), made in this language
        return
    ctx = getattr(exc, "ctx", None) if kind is _click.exceptions.UsageError.show else None
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = (
                pgettext("command-line help", "Try '%(command)s' for help.")
                % {"command": f"{ctx.command_path} {ctx.help_option_names[0]}"}
                + "\n"
            )
        _click.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
    message = pgettext("command-line help", "Error: %(message)s") % {
        "message": error_text(exc.format_message())
    }
    _click.echo(message, file=file, color=getattr(exc, "show_color", None))


def help_entries() -> Iterator[tuple[str, str]]:
    """Every help text of every command (msgid, where): for ``tools/i18n.py update``."""
    import typer

    from immunograde.cli.main import COMMANDS, app, command_group

    def walk(cmd: Any, where: str) -> Iterator[tuple[str, str]]:
        for text in (cmd.help, cmd.epilog):
            for par in paragraphs(text) if text else []:
                if not par.startswith("\b"):
                    yield msgid(par), where
                for match in COMMENT.finditer(par if par.startswith("\b") else ""):
                    yield match.group(2), f"{where} (an example's comment)"
        if cmd.short_help:
            yield msgid(cmd.short_help), where
        for param in cmd.params:
            if getattr(param, "help", None):
                yield msgid(param.help), f"{where} {param.opts[0] if param.opts else param.name}"
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(sub, f"{where} {name}")

    root = typer.main.get_command(app)
    yield from walk(root, "immunograde")
    for name, (module, text) in COMMANDS.items():
        yield msgid(text), f"immunograde --help: {name}"
        yield from walk(command_group(module).commands[name], f"immunograde {name}")
