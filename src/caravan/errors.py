"""The one error type a user's bad input raises in any domain service; every face turns it into a clear 4xx."""


class DomainError(ValueError):
    """Something the user asked for cannot be done. `message` is written for a person; `field` names the input.

    `code` is a stable machine word (Mastodon's ERR_* style for validation); `status` is the HTTP status a face
    should answer with.
    """

    def __init__(self, message: str, *, field: str = "", code: str = "invalid", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.status = status


class NotFound(DomainError):
    def __init__(self, message: str = "Record not found", *, field: str = "") -> None:
        super().__init__(message, field=field, code="not_found", status=404)


class Forbidden(DomainError):
    def __init__(self, message: str = "This action is not allowed", *, field: str = "") -> None:
        super().__init__(message, field=field, code="forbidden", status=403)


class Throttled(DomainError):
    """Too many attempts lately; `retry_after` is how many seconds until the next one may succeed (the faces
    send it as Retry-After)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="ERR_THROTTLED", status=429)
        self.retry_after = retry_after
