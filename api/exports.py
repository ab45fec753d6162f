"""What the export routes add to the OpenAPI document: the HSDS 3.0 schemas as components,
so the HSDS answers are described by the standard's own schemas."""

from interop.exports.hsds_schema import openapi_components


def document_export_schemas(result: dict, generator, request, public: bool) -> dict:
    """POSTPROCESSING_HOOKS: the `Hsds...` components the HSDS operations refer to."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in openapi_components().items():
        schemas.setdefault(name, schema)
    return result
