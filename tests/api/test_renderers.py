"""The API's JSON renderer writes what DRF's own JSONRenderer writes."""

import datetime
import decimal
import json
import uuid
import zoneinfo

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from api.renderers import FastJSONRenderer

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def both(data, media_type=None):
    return (
        FastJSONRenderer().render(data, media_type, {}),
        JSONRenderer().render(data, media_type, {}),
    )


def test_the_same_bytes_for_what_the_api_writes():
    data = {
        "error": {"code": "invalid", "message": gettext_lazy("Not found."), "fields": {}},
        "at": datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC),
        "local": datetime.datetime(2026, 12, 7, 10, 30, tzinfo=PARIS),
        "day": datetime.date(2026, 12, 7),
        "time": datetime.time(18, 15),
        "price": decimal.Decimal("12.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "text": "Café «tricot» — line\u2028separator\u2029 and émoji 🧶",
        "nested": [{"n": 1, "ok": True, "none": None, "pi": 3.25}, (1, 2)],
        7: "a key that is not a string",
    }
    fast, drf = both(data)
    assert fast == drf
    assert b"\\u2028" in fast and b"\xe2\x80\xa8" not in fast


def test_what_orjson_cannot_write_and_indented_output_go_to_drf():
    assert both({"big": 2**70})[0] == both({"big": 2**70})[1] == b'{"big":1180591620717411303424}'
    fast, drf = both({"a": [1, 2]}, "application/json; indent=2")
    assert fast == drf and b"\n  " in fast
    assert FastJSONRenderer().render(None) == b""


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_the_same_json_for_any_json_value(value):
    fast, drf = both({"value": value})
    assert json.loads(fast) == json.loads(drf)
