"""JSON responses written by orjson: the JSON DRF's JSONRenderer writes, faster.

A search page carries twenty activity cards (about 25 KB); the standard library's encoder
took longer over them than the view took to build them (docs/benchmarks.md). orjson writes
the same JSON in a fraction of that time (the same bytes, but that a float may be spelled
otherwise: 1e-7 for 1e-07). What it would write differently goes through DRF's
own rules: dates and times and other types through DRF's encoder (a "Z" for UTC), U+2028
and U+2029 escaped; what orjson refuses (an integer beyond 64 bits) and indented output are
rendered by DRF itself. One difference: a float that is not finite is written null, where
DRF's strict JSON fails the response.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_default = JSONEncoder().default


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                body = orjson.dumps(data, default=_default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                if b"\xe2\x80" in body:  # U+2028 and U+2029 escaped, as DRF does
                    body = body.replace(b"\xe2\x80\xa8", b"\\u2028")
                    body = body.replace(b"\xe2\x80\xa9", b"\\u2029")
                return body
        return super().render(data, accepted_media_type, renderer_context)
