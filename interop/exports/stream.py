"""The full HSDS export as NDJSON, written while it is read: memory stays flat whatever the
directory's size.

The activities are read by `.iterator(chunk_size=...)`, so the database cursor hands over
one chunk at a time and each chunk's prefetches (categories, schedules, service areas) run
once for it; each service is encoded and handed to the caller at once, and nothing keeps a
reference to the chunks already written.
"""

from collections.abc import Iterator

import orjson

from interop.exports import hsds, selectors

# Rows per database round trip: large enough that the prefetches stay few (4 queries per
# chunk), small enough that a chunk's objects weigh a few megabytes.
CHUNK_SIZE = 500
# Lines gathered into one write: fewer, larger writes to the socket.
LINES_PER_WRITE = 50


def services_ndjson(*, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Every published activity as a fully nested HSDS service, one JSON object a line, in
    id order."""
    buffer: list[bytes] = []
    activities = selectors.published_activities().order_by("id")
    for activity in activities.iterator(chunk_size=chunk_size):
        buffer.append(orjson.dumps(hsds.service(activity)) + b"\n")
        if len(buffer) >= LINES_PER_WRITE:
            yield b"".join(buffer)
            buffer.clear()
    if buffer:
        yield b"".join(buffer)


def taxonomy_ndjson() -> Iterator[bytes]:
    """The taxonomy, then its terms, one JSON object a line."""
    yield orjson.dumps(hsds.taxonomy()) + b"\n"
    for category in selectors.categories():
        yield orjson.dumps(hsds.taxonomy_term(category)) + b"\n"
