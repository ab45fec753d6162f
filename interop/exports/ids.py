"""Stable UUIDs of the exported objects (HSDS ids are UUIDs).

Each id is an RFC 9562 version 8 UUID that carries a fixed Relier prefix, the kind of object
and its row id. Derived from the row id alone, it never changes while the row lives, and a
detail route (`hsds/services/{id}/`) finds the row from the id without a column of stored
UUIDs; a name-based UUID (uuid5) would need one, since it cannot be read back.

Layout (128 bits): 48-bit prefix | version 8 (4 bits) | kind (12 bits) | variant (2 bits) |
row id (62 bits).
"""

import uuid

_PREFIX = 0x72656C696572  # "relier" in ASCII
_VERSION = 8
_VARIANT = 0b10

# One code per kind of object; append only, never renumber (the ids are public).
KINDS = {
    "organization": 1,
    "service": 2,
    "location": 3,
    "service_at_location": 4,
    "schedule": 5,
    "taxonomy": 6,
    "taxonomy_term": 7,
    "address": 8,
    "phone": 9,
    "contact": 10,
    "cost_option": 11,
    "language": 12,
    "service_area": 13,
    "attribute": 14,
    "organization_identifier": 15,
    "accessibility": 16,
    "schedule_date": 17,
}
_ROW_BITS = 62


def export_id(kind: str, pk: int, part: int = 0) -> str:
    """The UUID of row `pk` of `kind`; `part` tells apart several objects made from one row
    (the one-off dates of a schedule, the two identifiers of an organization), kept in the
    row id's upper bits."""
    row = pk | (part << 40)
    if not 0 <= row < 1 << _ROW_BITS:
        raise ValueError(f"row id out of range: {pk} (part {part})")
    value = (_PREFIX << 80) | (_VERSION << 76) | (KINDS[kind] << 64) | (_VARIANT << 62) | row
    return str(uuid.UUID(int=value))


def row_of(kind: str, value: str) -> int | None:
    """The row id that `value` names for `kind` (part 0), or None for any other string."""
    try:
        number = uuid.UUID(value).int
    except (ValueError, AttributeError, TypeError):
        return None
    expected_head = (_PREFIX << 80) | (_VERSION << 76) | (KINDS[kind] << 64) | (_VARIANT << 62)
    if number >> 62 != expected_head >> 62:
        return None
    row = number & ((1 << _ROW_BITS) - 1)
    if row >> 40:
        return None
    return row
