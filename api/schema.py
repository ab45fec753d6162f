"""What the OpenAPI document says beyond what drf-spectacular reads from each view: the one
error shape, the 4xx answers an operation can give, and the page size's bounds.

The answers every operation shares follow from what the document already says of it (its
method, parameters, body and security), so they are added once, by a postprocessing hook,
rather than repeated on each view. A view declares only the errors that its own service
decides (`error_responses(409)` for a conflict, a 404 for an id sent in the body, 401 for
wrong credentials).
"""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

ERROR_COMPONENT = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR_COMPONENT: {
        "type": "object",
        "description": "Every 4xx and 5xx answer of the API.",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
        "required": ["error"],
    },
    "ErrorBody": {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "description": (
                    "Machine-readable: invalid, required, parse_error, not_authenticated, "
                    "token_not_valid, permission_denied, not_found, conflict, throttled, or a "
                    "domain code such as email_taken."
                ),
            },
            "message": {
                "type": "string",
                "description": "For people, in the language of the request.",
            },
            "fields": {
                "type": "object",
                "description": (
                    "Input field (dotted for nested input, `non_field_errors` for the whole "
                    "input) -> messages; empty when no single field is at fault."
                ),
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["code", "message", "fields"],
    },
}

ERROR_DESCRIPTIONS = {
    400: "The input is refused: `fields` names what is wrong.",
    401: "Not signed in, or the token is invalid or expired.",
    403: "Signed in, but not allowed to do this.",
    404: "Nothing is found at this address (or the object is not visible to you).",
    409: "The object's current state does not allow this.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    429: "Too many requests: retry after `Retry-After` seconds.",
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before trying again.",
    }
}

UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def error_response(description: str, codes: list[str]) -> OpenApiResponse:
    """An error answer of a view's own, with the codes it may carry."""
    listed = ", ".join(f"`{code}`" for code in codes)
    return OpenApiResponse(response=ERROR_REF, description=f"{description} Codes: {listed}.")


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers only a view knows of, for its `extend_schema(responses=...)`."""
    return {
        code: OpenApiResponse(response=ERROR_REF, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


# The 400 of a list filtered by choices: a bad filter value, page size or cursor.
BAD_LIST_QUERY = error_response("A bad filter, page size or cursor.", ["invalid", "invalid_choice"])


def activity_filter(description: str) -> OpenApiParameter:
    """The `activity` query parameter of a list filtered by an activity's id."""
    return OpenApiParameter(
        "activity", {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}, description=description
    )


def _shared_error_codes(method: str, operation: dict) -> set[int]:
    """The 4xx an operation can answer whatever its view does, from what the document says."""
    parameters = operation.get("parameters", [])
    requirements = operation.get("security") or []
    authenticates = any("jwtAuth" in requirement for requirement in requirements)
    anonymous_allowed = not requirements or {} in requirements
    codes = {429}  # every view is throttled (DEFAULT_THROTTLE_CLASSES)
    if method in UNSAFE_METHODS or "requestBody" in operation:
        codes |= {400, 413, 415}
    if any(parameter["in"] == "query" for parameter in parameters):
        codes.add(400)
    if authenticates:
        codes.add(401)  # a token that is expired or forged is refused before any permission
    if method in UNSAFE_METHODS and authenticates and not anonymous_allowed:
        codes.add(403)  # writes check that the user edits the object's organization
    if any(parameter["in"] == "path" for parameter in parameters):
        codes.add(404)
    return codes


def _bound_page_size(parameters: list[dict]) -> None:
    for parameter in parameters:
        if parameter["in"] == "query" and parameter["name"] == "page_size":
            parameter["schema"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.API_MAX_PAGE_SIZE,
                "default": settings.API_PAGE_SIZE,
            }
            parameter["description"] = (
                f"Results per page, 1 to {settings.API_MAX_PAGE_SIZE} "
                f"(default {settings.API_PAGE_SIZE}); outside that range, 400."
            )


# DRF reads and writes times of day as "14:00" or "14:00:00" without an offset (the offset
# comes from the schedule's time zone), which JSON Schema's "time" format does not accept.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
    "description": "Local wall-clock time, HH:MM or HH:MM:SS.",
}


def _each_object(node: Any):
    """Every JSON object of the document, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _local_times(node: dict) -> None:
    types = node.get("type")
    if node.get("format") == "time" and "string" in (types if isinstance(types, list) else [types]):
        node.pop("format")
        node.update({key: value for key, value in LOCAL_TIME.items() if key not in node})


def _unions_as_any_of(node: dict) -> None:
    """drf-spectacular writes "either" as `oneOf`: a page of search cards or of back-office
    activities (an empty page is both), a URL or a blank string (a validator that does not
    check URLs finds "" is both). `oneOf` refuses a value that fits two branches; what is
    meant is `anyOf`. Discriminated unions keep `oneOf`."""
    if "oneOf" in node and "discriminator" not in node:
        node["anyOf"] = node.pop("oneOf")


def _nullable_as_null_type(node: dict) -> None:
    """OpenAPI 3.0's `nullable`, still written by DRF's pagination schemas, as 3.1 says it."""
    if node.pop("nullable", False):
        types = node.get("type")
        if isinstance(types, str):
            node["type"] = [types, "null"]
        elif isinstance(types, list) and "null" not in types:
            types.append("null")


# Text inputs refuse the NUL character (DRF's CharField), which a client must know: the
# pattern says it wherever a string in a request body has no finer rule.
NO_NUL = "^[^\\u0000]*$"


def _text_refuses_nul(schemas: dict[str, dict]) -> None:
    for name, schema in schemas.items():
        if not name.endswith("Request"):
            continue
        for prop in schema.get("properties", {}).values():
            types = prop.get("type")
            is_text = "string" in (types if isinstance(types, list) else [types])
            if is_text and not {"format", "enum", "pattern"} & prop.keys():
                prop["pattern"] = NO_NUL


def _requests_are_closed(schemas: dict[str, dict]) -> None:
    """Every request body is read strictly (api.serializers.StrictInputMixin): a field it does
    not list is a 400, so its schema admits no other property."""
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema.setdefault("additionalProperties", False)


def document_errors(result: dict, generator, request, public: bool) -> dict:
    """POSTPROCESSING_HOOKS: the error shape, each operation's shared 4xx, page size bounds,
    local times, unions, text without NUL, request bodies closed to unknown fields."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(ERROR_SCHEMAS)
    _requests_are_closed(schemas)
    for node in _each_object(result):
        _unions_as_any_of(node)
        _nullable_as_null_type(node)
        _local_times(node)
    _text_refuses_nul(schemas)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            _bound_page_size(operation.get("parameters", []))
            responses = operation.setdefault("responses", {})
            for code in sorted(_shared_error_codes(method, operation)):
                response = responses.setdefault(
                    str(code), {"description": ERROR_DESCRIPTIONS[code]}
                )
                response.setdefault("content", {"application/json": {"schema": ERROR_REF}})
                if code == 429:
                    response.setdefault("headers", RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))
    return result
