"""End to end: an iCalendar feed served on loopback, imported by a job through the runner,
becomes an activity whose materialized sessions are the feed's events as
`recurring-ical-events` expands them, across the October clock change."""

import datetime
import http.server
import pathlib
import threading
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import time_machine

from activities.models import Activity, Occurrence
from interop.imports import runner
from tests.factories import OrganizationFactory, editor_of

pytestmark = pytest.mark.django_db

DATA = pathlib.Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
# Before the series: its sessions from October to December fall in the window Relier
# materializes (OCCURRENCE_WINDOW_WEEKS), across the clock change of 25 October 2026.
TODAY = datetime.datetime(2026, 9, 20, 9, tzinfo=UTC)
# Nantes, in a territory the test database knows.
GEO = "GEO:47.2184;-1.5536"
UID = "tricot-2026@tisserands.example"


def served_feed() -> bytes:
    """The knitting club of club.ics, placed in Nantes."""
    text = (DATA / "club.ics").read_text()
    text = text.replace("GEO:45.7578;4.8320", GEO).replace("69003 Lyon", "44000 Nantes")
    calendar = icalendar.Calendar.from_ical(text)
    kept = [UID, "permanence@tisserands.example"]
    calendar.subcomponents[:] = [
        component for component in calendar.subcomponents if str(component.get("UID", "")) in kept
    ]
    return calendar.to_ical()


@pytest.fixture
def feed_url():
    body = served_feed()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/agenda.ics"
    server.shutdown()
    server.server_close()


def test_a_feed_read_from_its_address_gives_the_feeds_sessions(feed_url, settings):
    settings.IMPORT_ALLOW_PRIVATE_HOSTS = True
    organization = OrganizationFactory()
    editor = editor_of(organization)
    with time_machine.travel(TODAY, tick=False):
        job = runner.import_job_create(
            organization=organization, by=editor, kind="ical", source=feed_url, language="en"
        )
        job = runner.job_run(job=job)
        assert job.state == "done", job.report
        assert job.report["created"] == 1, str(job.report)
        activity = Activity.objects.get(organization=organization, external_id=UID)
        held = {
            (occurrence.start.astimezone(UTC), occurrence.end.astimezone(UTC))
            for occurrence in Occurrence.objects.filter(activity=activity)
            if occurrence.status != "cancelled"
        }
        window_end = max(start for start, _end in held) + datetime.timedelta(minutes=1)
        calendar = icalendar.Calendar.from_ical(served_feed())
        expected = {
            (event.start.astimezone(UTC), event.end.astimezone(UTC))
            for event in recurring_ical_events.of(calendar).between(TODAY, window_end)
            if str(event["UID"]) == UID and str(event.get("STATUS", "")).upper() != "CANCELLED"
        }
        assert held == expected
        starts = {start.astimezone(PARIS) for start, _end in held}
        # 14:00 Paris time on both sides of the clock change; the moved and the added sessions.
        assert datetime.datetime(2026, 10, 13, 14, tzinfo=PARIS) in starts
        assert datetime.datetime(2026, 11, 3, 14, tzinfo=PARIS) in starts
        assert datetime.datetime(2026, 10, 28, 15, tzinfo=PARIS) in starts
        assert datetime.datetime(2026, 11, 7, 10, tzinfo=PARIS) in starts
        assert activity.place.name == "Maison de quartier"

        # Read again: nothing changes.
        again = runner.job_run(
            job=runner.import_job_create(
                organization=organization, by=editor, kind="ical", source=feed_url
            )
        )
        assert again.report["unchanged"] == 1 and again.report["created"] == 0, str(again.report)
