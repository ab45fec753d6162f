"""The printable sheet: an A4 PDF (WeasyPrint) whose QR codes, once the page is rasterized
(poppler's pdftoppm) and read back (zbar's zbarimg), point at each activity on the link's
page. Without those programs the test is skipped, except in CI, where it fails."""

import os
import shutil
import subprocess

import pytest

from referrals import services
from referrals.choices import ConsentScope
from referrals.models import AccessLog, ShortlistLink
from tests.factories import listed_activity
from tests.referrals.browser import SCREENSHOTS
from tests.referrals.conftest import HOME, shortlist_for, soon

pytestmark = pytest.mark.django_db
TOOLS = ("pdftoppm", "zbarimg")


@pytest.fixture
def tools():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install poppler-utils zbar-tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: in CI a missing program is a failure")
        pytest.skip(reason)


def test_the_sheet_prints_and_its_qr_codes_lead_to_each_activity(
    tools, clients, person, referrer, association, tmp_path, settings
):
    settings.PUBLIC_BASE_URL = "https://relier.example"
    activities = [
        listed_activity(*HOME, starts=[soon(d)], organization=association, title=title)
        for d, title in ((2, "Atelier tricot"), (3, "Chorale du mardi"), (4, "Marche douce"))
    ]
    shortlist = shortlist_for(person, referrer, activities)
    answer = clients["referrer"].get(f"/api/v1/shortlists/{shortlist.pk}/sheet.pdf?lang=fr")
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(answer.content)
    assert answer.content.startswith(b"%PDF-")

    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], SCREENSHOTS / "sheet-page-1.png")  # kept by CI with the screenshots
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", *map(str, pages)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    link = ShortlistLink.objects.get(channel="print")
    base = services.link_url(link)
    assert base.startswith("https://relier.example/s/")
    assert sorted(decoded) == sorted(f"{base}#activity-{a.pk}" for a in activities)
    # The page the codes open is the person's list.
    token = base.rsplit("/", 1)[1]
    assert clients["anonymous"].get(f"/s/{token}").status_code == 200
    # Printing it again reuses the printed link; the read is logged.
    assert (
        clients["referrer"].get(f"/api/v1/shortlists/{shortlist.pk}/sheet.pdf").status_code == 200
    )
    assert ShortlistLink.objects.filter(channel="print").count() == 1
    assert AccessLog.objects.filter(person=person, view="shortlist", user=referrer).count() == 2


def test_no_sheet_without_consent_nor_in_an_unknown_language(clients, shortlist, person, referrer):
    url = f"/api/v1/shortlists/{shortlist.pk}/sheet.pdf"
    bad = clients["referrer"].get(f"{url}?lang=de")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_choice"
    services.consent_withdraw(consent=person.consents.get(scope=ConsentScope.REFERRAL), by=referrer)
    refused = clients["referrer"].get(url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_required"
    assert not ShortlistLink.objects.exists()
