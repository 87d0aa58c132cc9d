"""User errors carry a stable code and parameters; the words are rendered where a person reads them.

A service raises `DomainError(error_codes.POST_TOO_LONG, field="status", length=612, limit=500)`: what went
wrong and with which numbers, never finished text. Each face renders `error.message` in its reader's language
(web pages and the client API have activated it), ActivityPub and the logs use `error.english`. Code compares
`error.code`, never the text. The kinds, their English and their HTTP statuses are in `caravan.error_codes`.
"""

import math
from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise

from caravan import error_codes
from caravan.error_codes import ErrorKind


class DomainError(ValueError):
    """Something a person asked for cannot be done. `kind` says what (its `code`, its message, its default
    `status`); `params` fill the message; `field` names the input it concerns, for forms and API details.

    A parameter may itself be a DomainError (an image skipped *because* it was too large): it is rendered in the
    same language as the message around it. The kind is positional-only, so a parameter may be called
    anything but `field` and `status`.
    """

    def __init__(
        self, kind: ErrorKind, /, *, field: str = "", status: int | None = None, **params: Any
    ) -> None:
        super().__init__(kind.code, params)
        self.kind, self.params, self.field = kind, params, field
        self.status = status or kind.status

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def message(self) -> str:
        """The message in the active language: the reader's, which every face activates before it renders."""
        return render(self.kind, self.params)

    @property
    def english(self) -> str:
        """The message in English: what ActivityPub answers, what the logs and the CLI show."""
        with translation.override("en"):
            return self.message

    def __str__(self) -> str:
        return self.english

    def stored(self) -> dict:
        """The error to keep in the database (an import's report): see `stored`."""
        return stored(self.kind, **self.params)


class DomainErrors(DomainError):
    """Several things wrong with one request at once (a form's fields), so a person fixes them all in one go:
    `errors` lists each. The first speaks for all where only one message is shown."""

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.kind, field=first.field, status=first.status, **first.params)
        self.errors = list(errors)


def each_error(error: DomainError) -> list[DomainError]:
    """The errors one raised DomainError stands for: itself, or each of a DomainErrors."""
    return list(getattr(error, "errors", [error]))


class Collected:
    """Gathers the DomainErrors of several independent checks, then raises them together:

    problems = Collected()
    with problems:
        check_this()
    with problems:
        check_that()
    problems.raise_any()
    """

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __enter__(self) -> "Collected":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, DomainError):
            self.errors.extend(each_error(error))
            return True
        return False

    def add(self, error: DomainError) -> None:
        """A problem found without raising (an `if` rather than a check function)."""
        self.errors.extend(each_error(error))

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)


class Throttled(DomainError):
    """Too many attempts lately; `retry_after` is how many seconds until the next one may succeed (the faces
    send it as Retry-After, the message says it in minutes)."""

    def __init__(self, kind: ErrorKind, /, *, retry_after: int) -> None:
        super().__init__(kind, minutes=math.ceil(retry_after / 60))
        self.retry_after = retry_after


def render(kind: ErrorKind, params: Mapping[str, Any], /) -> str:
    """A kind's message with its parameters, in the active language."""
    values = {name: _shown(value) for name, value in params.items()}
    message = kind.message % values if values else kind.message
    return str(message)


def _shown(value: Any) -> Any:
    if isinstance(value, DomainError):
        return value.message
    if isinstance(value, dict) and "code" in value:
        return shown(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def stored(kind: ErrorKind, /, **params: Any) -> dict:
    """A message to keep in the database: its code and parameters, so that each reader gets it in their own
    language when it is shown (`shown`), and its English text (`reason`), which the CLI prints and which stays
    readable if a later version drops the code."""
    kept = {
        name: value.stored() if isinstance(value, DomainError) else value for name, value in params.items()
    }
    with translation.override("en"):
        english = render(kind, params)
    return {"code": kind.code, "params": kept, "reason": english}


def shown(entry: Mapping[str, Any]) -> str:
    """A stored message (`stored`) in the active language; its English when the code is unknown."""
    kind = error_codes.BY_CODE.get(entry.get("code", ""))
    if kind is None:
        return str(entry.get("reason", ""))
    return render(kind, entry.get("params") or {})
