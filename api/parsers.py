"""The API reads JSON bodies, and only them: every rule about what a body may be is here.

- size: at most `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes, 413 `request_too_large` past it (a declared
  `Content-Length` is refused before anything is read, by `api.middleware.ApiRequestMiddleware`,
  which also reads chunked bodies within the same limit);
- syntax: malformed JSON and the non-JSON literals `NaN`, `Infinity` are 400 `parse_error`;
- depth: objects and arrays nested deeper than `MAX_JSON_DEPTH` are 400 `parse_error`, also
  when Python's recursive decoder would overflow its stack first;
- shape: the top level is an object, as every write of the API takes one.
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
    return data


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
