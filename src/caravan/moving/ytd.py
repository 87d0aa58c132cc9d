"""Streaming the JavaScript data files of an X archive: `window.YTD.<type>.partN = [ {...}, {...} ]`.

Elements are decoded one at a time from a sliding buffer, so a 100 MB tweets.js never sits in memory as one
Python list. The same reader serves manifest.js (`window.__THAR_CONFIG = {...}`) as a single value.
"""

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from caravan import error_codes
from caravan.moving.archive import ArchiveError

CHUNK = 1024 * 1024
_decoder = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


def _text_chunks(stream: IO[bytes]) -> Iterator[str]:
    decode = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while chunk := stream.read(CHUNK):
        yield decode.decode(chunk)
    yield decode.decode(b"", final=True)


def _skip_to(chunks: Iterator[str], name: str, marker: str) -> str:
    """Consume text up to and including `marker` (the first `=` of a YTD file); return what follows it."""
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        position = buffer.find(marker)
        if position >= 0:
            return buffer[position + len(marker) :]
        if marker == "=" and len(buffer) > 4096:
            break
        buffer = buffer[-len(marker) :] if marker != "=" else buffer
    raise ArchiveError(error_codes.DATA_FILE_WITHOUT_MARKER, name=name, marker=marker)


def iter_array(
    stream: IO[bytes], name: str, max_element: int = 64 * 1024 * 1024, *, after: str = "="
) -> Iterator[Any]:
    """Yield each element of the JSON array assigned in a YTD file (or, with `after='"orderedItems":'`, the
    array of an ActivityStreams collection; the first occurrence of that key must be the collection's own)."""
    chunks = _text_chunks(stream)
    buffer = _skip_to(chunks, name, after).lstrip(_WHITESPACE)
    exhausted = False

    def more() -> bool:
        nonlocal buffer, exhausted
        for chunk in chunks:
            if chunk:
                buffer += chunk
                return True
        exhausted = True
        return False

    while not buffer and more():
        buffer = buffer.lstrip(_WHITESPACE)
    if not buffer.startswith("["):
        raise ArchiveError(error_codes.DATA_NOT_A_LIST, name=name)
    position = 1
    while True:
        # Skip separators between elements.
        while True:
            while position < len(buffer) and buffer[position] in _WHITESPACE + ",":
                position += 1
            if position < len(buffer) or not more():
                break
        if position >= len(buffer):
            raise ArchiveError(error_codes.DATA_TRUNCATED, name=name)
        if buffer[position] == "]":
            return
        while True:
            try:
                value, end = _decoder.raw_decode(buffer, position)
            except RecursionError:
                raise ArchiveError(error_codes.DATA_TOO_DEEP, name=name) from None
            except json.JSONDecodeError as error:
                if exhausted or len(buffer) - position > max_element:
                    raise ArchiveError(
                        error_codes.DATA_NOT_VALID_TRUNCATED, name=name, error=error.msg
                    ) from None
                more()
                continue
            if end == len(buffer) and not exhausted and buffer[position] not in '{["':
                # A bare number or word may continue in the next chunk.
                more()
                continue
            break
        yield value
        # Drop what has been read now and then (not per element: that would copy the buffer each time).
        position = end
        if position > 256 * 1024:
            buffer, position = buffer[position:], 0


def read_value(stream: IO[bytes], name: str, limit: int = 16 * 1024 * 1024) -> Any:
    """A small YTD or manifest file read whole (manifest.js, account.js...)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(error_codes.DATA_FILE_TOO_LARGE, name=name)
    text = data.decode("utf-8-sig", errors="replace")
    position = text.find("=")
    if position < 0:
        raise ArchiveError(error_codes.DATA_FILE_INVALID, name=name)
    text = text[position + 1 :].strip().rstrip(";").strip()
    try:
        return json.loads(text)
    except RecursionError:
        raise ArchiveError(error_codes.DATA_TOO_DEEP, name=name) from None
    except json.JSONDecodeError as error:
        raise ArchiveError(error_codes.DATA_NOT_VALID, name=name, error=error.msg) from None
