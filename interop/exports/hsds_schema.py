"""The HSDS 3.0 JSON schemas (a copy of Open Referral's, under `schemas/hsds-3.0/`, CC BY-SA
4.0) read once: as they are, for validating what the export writes, and as OpenAPI
components, so that the API document describes the HSDS answers with the standard's own
schemas.
"""

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "hsds-3.0"
COMPONENT_PREFIX = "Hsds"
# The keywords of JSON Schema that the HSDS files use; the rest (`constraints`, `example`,
# `datapackage_metadata`, `name`, `path`...) describe their tabular (CSV) form.
_KEYWORDS = {"type", "format", "enum", "items", "properties", "required", "$ref", "description"}


@functools.cache
def schemas() -> dict[str, dict]:
    """HSDS table name ("service") -> its JSON schema, as published."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(SCHEMA_DIR.glob("*.json"))}


def component_name(table: str) -> str:
    return COMPONENT_PREFIX + "".join(part.title() for part in table.split("_"))


def _component(node: Any) -> Any:
    if isinstance(node, list):
        return [_component(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        table = node["$ref"].removesuffix(".json")
        return {"$ref": f"#/components/schemas/{component_name(table)}"}
    out = {}
    for key, value in node.items():
        if key not in _KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: _component(field) for name, field in value.items()}
        elif key == "format" and value not in ("uuid", "email", "uri", "date-time"):
            continue  # HSDS's own format names (e.g. "datetime") mean nothing to a validator
        else:
            out[key] = _component(value)
    return out


@functools.cache
def openapi_components() -> dict[str, dict]:
    """Every HSDS table as an OpenAPI 3.1 schema component (`HsdsService`...), references
    between them rewritten, plus an organization's `services` (the fully nested
    organization of `organizations/{id}`)."""
    components = {component_name(table): _component(schema) for table, schema in schemas().items()}
    organization = components[component_name("organization")]
    organization["properties"]["services"] = {
        "type": "array",
        "description": "Its published services (the fully nested organization only).",
        "items": {"$ref": f"#/components/schemas/{component_name('service')}"},
    }
    return components
