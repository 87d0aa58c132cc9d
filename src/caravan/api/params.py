"""Reading client API parameters the way Mastodon does: from the query, a form, multipart or JSON alike, with
Rails-style arrays (`a[]`, `a[0]`) and hashes (`poll[options][]`, `fields_attributes[0][name]`).
"""

import re
from io import BytesIO
from typing import Any

import orjson
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from caravan.errors import DomainError

FALSE_WORDS = {"0", "f", "false", "off", "n", "no"}
_KEY_PART = re.compile(r"\[([^\]]*)\]")


def _split_key(key: str) -> list[str]:
    head, bracket, _ = key.partition("[")
    if not bracket or not key.endswith("]"):
        return [key]
    return [head, *_KEY_PART.findall(key[len(head) :])]


def _insert(target: dict, parts: list[str], values: list) -> None:
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "":  # `a[]`: the values are a list
            if last:
                node.extend(values)
            else:  # `a[][name]`: a list of hashes, one per value (rare; masto.js uses indexes instead)
                for value in values:
                    item: dict = {}
                    _insert(item, parts[index + 1 :], [value])
                    node.append(item)
            return
        if last:
            node[part] = values[-1]
            return
        following = parts[index + 1]
        if part not in node or not isinstance(node[part], dict | list):
            node[part] = [] if following == "" else {}
        node = node[part]
        if isinstance(node, list) and following != "":
            return  # a[]=x mixed with a[k]=y: keep the first shape


def _listify(value: Any) -> Any:
    """Hashes keyed 0, 1, 2... (masto.js multipart arrays) become lists, in index order."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(isinstance(k, str) and k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
        return value
    if isinstance(value, list):
        return [_listify(v) for v in value]
    return value


def nest(pairs: list[tuple[str, list]]) -> dict:
    result: dict = {}
    for key, values in pairs:
        _insert(result, _split_key(key), values)
    return _listify(result)


class Params(dict):
    """Request parameters, nested; typed getters raise a 400/422 DomainError for values of the wrong shape."""

    files: dict

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, dict | list):
            raise DomainError(f"{name} must be a string", field=name, status=422)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        return as_bool(self.get(name), default)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DomainError(f"{name} must be a number", field=name, status=422) from None

    def list(self, name: str) -> list:
        value = self.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [v for v in value if v != ""]
        if isinstance(value, dict):
            return list(value.values())
        return [value]

    def dict(self, name: str) -> dict:
        value = self.get(name)
        if value is None or value == "":
            return {}
        if isinstance(value, list):
            return dict(enumerate(value))
        if not isinstance(value, dict):
            raise DomainError(f"{name} must be a hash", field=name, status=422)
        return value


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
            raise DomainError("The request body is not valid JSON", status=400) from None
        if not isinstance(data, dict):
            raise DomainError("The request body must be a JSON object", status=400)
        return [], {}, data
    if content_type == "multipart/form-data":
        if request.method == "POST":
            form, files = request.POST, request.FILES
        else:
            try:
                form, files = MultiPartParser(
                    request.META, BytesIO(request.body), request.upload_handlers, request.encoding
                ).parse()
            except MultiPartParserError:
                raise DomainError("The multipart body could not be read", status=400) from None
        return list(form.lists()), {k: files.getlist(k) for k in files}, None
    if content_type == "application/x-www-form-urlencoded" or request.body:
        form = (
            request.POST if request.method == "POST" else QueryDict(request.body, encoding=request.encoding)
        )
        return list(form.lists()), {}, None
    return [], {}, None


def read_params(request: HttpRequest) -> Params:
    """All parameters of a request; the body's win over the query's, JSON's over both."""
    cached = getattr(request, "_api_params", None)
    if cached is not None:
        return cached
    pairs = list(request.GET.lists())
    form_pairs, files, data = _body_pairs(request)
    params = Params(nest(pairs + form_pairs))
    for name, uploads in files.items():
        parts = _split_key(name)
        params[parts[0]] = uploads[-1] if len(parts) == 1 else uploads
    if data:
        params.update(data)
    params.files = {name.split("[")[0]: uploads[-1] for name, uploads in files.items() if uploads}
    request._api_params = params
    return params
