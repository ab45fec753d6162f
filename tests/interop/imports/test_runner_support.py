"""What the import tests share: items built by hand, a stand-in reader (a JSON list of items)
for jobs run from bytes, and an organization with an editor in Nantes."""

import datetime
import json

from django.utils import timezone

from interop.imports.items import SessionEdit, SourceError, SourceItem
from tests.factories import OrganizationFactory, editor_of

NANTES_POINT = (47.2184, -1.5536)
STAND_IN = ("tests.interop.imports.test_runner_support", "read_stand_in")


def next_tuesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)


def item(
    n: int, *, title: str | None = None, position: int | None = None, **overrides
) -> SourceItem:
    """An activity at a place in Nantes, every Tuesday 14:00-16:00 from next Tuesday."""
    lat, lng = NANTES_POINT
    fields = {
        "external_id": f"row-{n}",
        "position": position if position is not None else n + 1,
        "activity": {
            "title": title or f"Atelier tricot {n}",
            "summary": "On tricote ensemble autour d'un thé.",
            "kind": "club",
            "categories": ["Tricot et couture"],
        },
        "place": {
            "name": "Maison de quartier",
            "address": "1 rue de la Paix",
            "lat": lat,
            "lng": lng,
        },
        "schedules": [
            {
                "rrule": "FREQ=WEEKLY;BYDAY=TU",
                "start_time": "14:00",
                "end_time": "16:00",
                "valid_from": next_tuesday().isoformat(),
            }
        ],
    }
    fields.update(overrides)
    return SourceItem(**fields)


def as_bytes(entries) -> bytes:
    """Entries as the stand-in reader reads them."""
    out = []
    for entry in entries:
        if isinstance(entry, SourceError):
            out.append({"error": entry.position, "message": entry.message})
            continue
        out.append(
            {
                "external_id": entry.external_id,
                "position": entry.position,
                "activity": entry.activity,
                "place": entry.place,
                "schedules": entry.schedules,
                "sessions": [
                    {"series_start": s.series_start.isoformat(), "cancelled": s.cancelled}
                    for s in entry.sessions
                ],
            }
        )
    return json.dumps(out).encode()


def read_stand_in(data: bytes):
    entries = []
    for raw in json.loads(data):
        if "error" in raw:
            entries.append(SourceError(position=raw["error"], message=raw["message"]))
            continue
        raw["sessions"] = [
            SessionEdit(
                series_start=datetime.datetime.fromisoformat(s["series_start"]),
                cancelled=s["cancelled"],
            )
            for s in raw["sessions"]
        ]
        entries.append(SourceItem(**raw))
    return entries


def organization_with_editor(**fields):
    organization = OrganizationFactory(**fields)
    return organization, editor_of(organization)
