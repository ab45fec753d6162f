"""The API reads JSON bodies, and only them: every rule about what a body may be is here.

- size: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes, 413 `request_too_large` past it (a declared
  `Content-Length` is refused before anything is read, by `api.middleware.ApiRequestMiddleware`,
  which also reads chunked bodies within the same limit);
- syntax: malformed JSON and the non-JSON literals `NaN`, `Infinity` are 400 `parse_error`;
- depth: objects and arrays nested deeper than `MAX_JSON_DEPTH` are 400 `parse_error`, also
  when Python's recursive decoder would overflow its stack first;
- shape: the top level is an object, as every write of the API takes one;
- text: no string holds the NUL character (PostgreSQL's text cannot), 400 naming the field
  (`nul_paths`; the query string is held to the same rule by `api.middleware`).
"""

import codecs
import json
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# Far deeper than any body the API takes (a profile's interests are two levels deep).
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        super().__init__(_("The request body is too large: at most %(limit)s.") % {"limit": limit})


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def json_depth(value: Any) -> int:
    """How deeply objects and arrays nest in a decoded body (a scalar is 0), without
    recursion; stops counting past MAX_JSON_DEPTH."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def decode_json_object(raw: bytes, encoding: str = "utf-8") -> dict:
    """A request body as a JSON object, or ParseError / RequestTooLarge naming the fault."""
    if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise RequestTooLarge()
    try:
        text = raw.decode(encoding)
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise _too_deep() from error
    except ValueError as error:  # also UnicodeDecodeError and json.JSONDecodeError
        raise exceptions.ParseError(_("The body is not valid JSON.")) from error
    if json_depth(data) > MAX_JSON_DEPTH:
        raise _too_deep()
    if not isinstance(data, dict):
        raise exceptions.ParseError(_("The body must be a JSON object."))
    if "\\u0000" in text:  # JSON holds NUL only as this escape
        paths = nul_paths(data)
        if paths:
            raise nul_refused(paths)
    return data


def nul_paths(value: Any, prefix: str = "") -> list[str]:
    """The dotted paths of the keys and strings of a decoded body that hold NUL, without
    recursion."""
    found, stack = [], [(prefix, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(path)
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    found.append(path)
                else:
                    stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend(
                (f"{path}.{index}" if path else str(index), child)
                for index, child in enumerate(item)
            )
    return sorted(set(found))


def nul_refused(paths: list[str]) -> exceptions.ValidationError:
    """400 naming each field whose text holds NUL."""
    message = _("Text cannot hold the NUL character (U+0000).")
    return exceptions.ValidationError(
        {path or "non_field_errors": [message] for path in paths} or [message], code="invalid_text"
    )


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The body nests objects and arrays deeper than %(depth)d levels.")
        % {"depth": MAX_JSON_DEPTH}
    )


class JSONObjectParser(parsers.JSONParser):
    """DRF's JSON parser held to the rules above."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            codecs.lookup(encoding)
        except LookupError:
            encoding = settings.DEFAULT_CHARSET
        # One byte past the limit is enough to know it is passed.
        raw = stream.read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) if stream else b""
        return decode_json_object(raw, encoding)
