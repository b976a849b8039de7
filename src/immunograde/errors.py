"""User-facing errors: every problem a person can fix names where it is.

Layers above ``stats`` raise :class:`InputError` for bad input; the CLI and the web turn it into one
clear line (or a JSON body) and a documented exit code, never a traceback.  ``stats`` itself raises
plain ``ValueError`` (it imports nothing from the project).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in one place: ``file:line: field: message``."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line is not None else "")
        parts = [p for p in (where, self.field) if p]
        return (": ".join(parts) + ": " if parts else "") + self.message

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class InputError(Exception):
    """Bad input from a user: one or more :class:`Problem`, reported all at once."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def one(
        cls,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> InputError:
        return cls([Problem(message, file, line, field)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class NotFoundError(LookupError):
    """A named thing (substance, question, file) does not exist; carries suggestions."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []

    def __str__(self) -> str:
        if not self.suggestions:
            return self.message
        return f"{self.message} Did you mean: {', '.join(self.suggestions)}?"


class BusyError(RuntimeError):
    """Another command is writing the same file and did not finish in time (the message says who)."""
