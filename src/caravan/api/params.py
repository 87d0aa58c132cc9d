"""Reading client API parameters the way Mastodon does: from the query, a form, multipart or JSON alike, with
Rails-style arrays (`a[]`, `a[0]`) and hashes (`poll[options][]`, `fields_attributes[0][name]`).
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import orjson
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from caravan import error_codes
from caravan.error_codes import ErrorKind
from caravan.errors import DomainError
from caravan.ids import MAX_INT64, id_from_text, parse_int64

FALSE_WORDS = {"0", "f", "false", "off", "n", "no"}
MAX_SECONDS = 100 * 366 * 86400  # a century: durations (mutes, filters, polls) beyond it overflow dates
MAX_DEPTH = 32  # Rack's limit for nested parameter names; deeper JSON bodies are refused too
_KEY_PART = re.compile(r"\[([^\]]*)\]")
_INDEX = re.compile(r"[0-9]{1,6}")  # `a[0]`, `a[1]`... (masto.js multipart arrays); longer is a hash key


def _split_key(key: str) -> list[str]:
    head, bracket, _ = key.partition("[")
    if not bracket or not key.endswith("]"):
        return [key]
    return [head, *_KEY_PART.findall(key[len(head) :])]


def _insert(node: dict | list, parts: list[str], values: list) -> None:
    """Put `values` at the path `parts` (`a[b][]` is ["a", "b", ""]). When a name is used with two shapes
    (`a[b]=1&a[]=2`) the first shape wins and the other values are dropped, never an error."""
    part, rest = parts[0], parts[1:]
    if isinstance(node, list):  # reached through `[]`
        if part != "":
            return
        if not rest:
            node.extend(values)
        elif rest[0] != "":  # `a[][name]`: a list of hashes, one per value (`a[][]` is no Mastodon shape)
            for value in values:
                item: dict = {}
                _insert(item, rest, [value])
                node.append(item)
        return
    if part == "":  # `[]=1`, `=1`, or a hash given list items: names nothing here
        return
    if not rest:
        node[part] = values[-1]
        return
    child = node.get(part)
    if not isinstance(child, dict | list):
        child = node[part] = [] if rest[0] == "" else {}
    _insert(child, rest, values)


def _listify(value: Any) -> Any:
    """Hashes keyed 0, 1, 2... (masto.js multipart arrays) become lists, in index order."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(isinstance(k, str) and _INDEX.fullmatch(k) for k in value):
            return [value[k] for k in sorted(value, key=int)]
        return value
    if isinstance(value, list):
        return [_listify(v) for v in value]
    return value


def nest(pairs: list[tuple[str, list]]) -> dict:
    """Rails-style names to nested hashes and lists; the top level stays a hash even if its names are all
    numbers."""
    result: dict = {}
    for key, values in pairs:
        parts = _split_key(key)
        if len(parts) > MAX_DEPTH:
            raise DomainError(error_codes.PARAM_NAMES_TOO_DEEP, field=parts[0])
        if values:
            _insert(result, parts, values)
    return {key: _listify(value) for key, value in result.items()}


def _check_tree(value: Any) -> None:
    """Refuse what no field can hold and what would fail deep inside the server instead of here: nesting
    deeper than MAX_DEPTH, and NUL characters (PostgreSQL cannot store them in text)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DomainError(error_codes.REQUEST_TOO_DEEP)
        if isinstance(node, dict):
            for key, item in node.items():
                if "\x00" in key:
                    raise DomainError(error_codes.PARAM_NAME_NUL)
                stack.append((item, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str) and "\x00" in node:
            raise DomainError(error_codes.PARAM_VALUE_NUL)


class Params(dict):
    """Request parameters, nested. The typed getters are the only way views read them: a value of the wrong
    shape (a list for a string, a hash for a number, digits that are not ASCII, a number beyond 64 bits)
    raises a DomainError with status 422 that names the field, never a TypeError deep in a service.
    Nested hashes (`poll`, `source`, `fields_attributes[]`) come back as Params too, with their names."""

    files: dict
    prefix: str = ""

    def __init__(self, data: Any = (), prefix: str = "") -> None:
        super().__init__(data)
        self.prefix = prefix
        self.files = {}

    def _name(self, name: str) -> str:
        return f"{self.prefix}[{name}]" if self.prefix else name

    def _invalid(self, name: str, kind: ErrorKind, **limits: int) -> DomainError:
        return DomainError(kind, field=self._name(name), name=self._name(name), **limits)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, dict | list):
            raise self._invalid(name, error_codes.PARAM_NOT_STRING)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.get(name)
        if isinstance(value, dict):
            raise self._invalid(name, error_codes.PARAM_NOT_BOOLEAN)
        return as_bool(value, default)

    def int(
        self, name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """A whole number in ASCII digits within 64 bits (and within minimum/maximum when given)."""
        value = self.get(name)
        if value is None or value == "":
            return default
        number = parse_int64(value)
        if number is None:
            raise self._invalid(name, error_codes.PARAM_NOT_WHOLE_NUMBER)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            if minimum is None:
                raise self._invalid(name, error_codes.PARAM_ABOVE_MAXIMUM, maximum=maximum)
            if maximum is None:
                raise self._invalid(name, error_codes.PARAM_BELOW_MINIMUM, minimum=minimum)
            raise self._invalid(name, error_codes.PARAM_OUT_OF_RANGE, minimum=minimum, maximum=maximum)
        return number

    def seconds(self, name: str, default: int | None = None) -> int | None:
        """A duration in whole seconds, 0 up to MAX_SECONDS (a date further away cannot be stored)."""
        return self.int(name, default, minimum=0, maximum=MAX_SECONDS)

    def ints(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> list[int]:
        """A list of whole numbers (`choices[]=0&choices[]=2`); any other item is a 422."""
        numbers = [parse_int64(v) for v in self.list(name)]
        low = -MAX_INT64 - 1 if minimum is None else minimum
        high = MAX_INT64 if maximum is None else maximum
        if any(n is None or not low <= n <= high for n in numbers):
            raise self._invalid(name, error_codes.PARAM_NOT_NUMBER_LIST)
        return numbers  # type: ignore[return-value]

    def id(self, name: str) -> int | None:
        """An id (ASCII digits, 64 bits); None when absent, 422 when given but not an id."""
        value = self.get(name)
        if value is None or value == "":
            return None
        number = id_from_text(value)
        if number is None:
            raise self._invalid(name, error_codes.PARAM_NOT_ID)
        return number

    def ids(self, name: str) -> list[int]:
        """A list of ids (`id[]=1&id[]=2`, or one); any item that is not an id is a 422."""
        numbers = []
        for value in self.list(name):
            number = id_from_text(value)
            if number is None:
                raise self._invalid(name, error_codes.PARAM_NOT_ID_LIST)
            numbers.append(number)
        return numbers

    def list(self, name: str) -> list:
        value = self.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [v for v in value if v != ""]
        if isinstance(value, dict):
            return list(value.values())
        return [value]

    def strs(self, name: str) -> list[str]:
        """A list of strings (`types[]=mention`); hashes or lists inside it are a 422."""
        values = self.list(name)
        if any(isinstance(v, dict | list) for v in values):
            raise self._invalid(name, error_codes.PARAM_NOT_STRING_LIST)
        return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in values]

    def dict(self, name: str) -> Params:
        value = self.get(name)
        if value is None or value == "":
            return Params(prefix=self._name(name))
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            raise self._invalid(name, error_codes.PARAM_NOT_HASH)
        return Params(value, prefix=self._name(name))

    def dicts(self, name: str) -> list[Params]:
        """A list of hashes (`fields_attributes[0][name]`, `keywords_attributes[][keyword]`)."""
        values = self.list(name)
        if any(not isinstance(v, dict) for v in values):
            raise self._invalid(name, error_codes.PARAM_NOT_HASH_LIST)
        return [Params(v, prefix=f"{self._name(name)}[{i}]") for i, v in enumerate(values)]


def as_bool(value: Any, default: bool | None = None) -> bool | None:
    """Mastodon's booleans: 0 f false off (any case) are false, empty is absent, anything else is true."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip().lower() not in FALSE_WORDS


def _body_pairs(request: HttpRequest) -> tuple[list[tuple[str, list]], dict, dict | None]:
    """(form pairs, files, JSON object) of the request body, whatever the method."""
    content_type = (request.content_type or "").lower()
    if request.method in ("GET", "HEAD", "OPTIONS") and not content_type.endswith("json"):
        return [], {}, None  # some clients (Mastodon.py) send a JSON body even with GET
    if content_type == "application/json" or content_type.endswith("+json"):
        if not request.body.strip():
            return [], {}, None
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            raise DomainError(error_codes.BODY_NOT_JSON) from None
        if not isinstance(data, dict):
            raise DomainError(error_codes.BODY_NOT_OBJECT)
        return [], {}, data
    if content_type == "multipart/form-data":
        try:
            if request.method == "POST":
                form, files = request.POST, request.FILES
            else:
                form, files = MultiPartParser(
                    request.META, BytesIO(request.body), request.upload_handlers, request.encoding
                ).parse()
        except MultiPartParserError:  # no boundary, a truncated body...
            raise DomainError(error_codes.MULTIPART_UNREADABLE) from None
        return list(form.lists()), {k: files.getlist(k) for k in files}, None
    if content_type == "application/x-www-form-urlencoded" or request.body:
        form = (
            request.POST if request.method == "POST" else QueryDict(request.body, encoding=request.encoding)
        )
        return list(form.lists()), {}, None
    return [], {}, None


def read_params(request: HttpRequest) -> Params:
    """All parameters of a request; the body's win over the query's, JSON's over both. A body that cannot
    be read, names nested too deeply or NUL characters are a 400 here, before any view sees them."""
    cached = getattr(request, "_api_params", None)
    if cached is not None:
        return cached
    pairs = list(request.GET.lists())
    form_pairs, files, data = _body_pairs(request)
    params = Params(nest(pairs + form_pairs))
    for name, uploads in files.items():
        parts = _split_key(name)
        if parts[0]:
            params[parts[0]] = uploads[-1] if len(parts) == 1 else uploads
    if data:
        params.update(data)
    _check_tree(params)
    params.files = {name.split("[")[0]: uploads[-1] for name, uploads in files.items() if uploads}
    request._api_params = params
    return params
