"""The link's page and its closed page pass axe-core (WCAG 2.1 A and AA rules, and axe's
best practices) in headless chromium with no serious or critical violation, in French and
English, and reflow at 320 CSS pixels (what a 1280-pixel window shows at 400 %, twice the
200 % zoom WCAG asks for) without scrolling sideways."""

import pytest

from referrals import services
from tests.referrals.browser import axe_violations, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SERIOUS = ("serious", "critical")


def test_the_link_page_has_no_serious_accessibility_violation(
    chromium,
    axe_source,
    live_server,
    shortlist,
    referrer,
):
    # The check sees a violation when there is one (an image without a text alternative).
    chromium.get("data:text/html,<html lang=en><title>t</title><main><img src=x></main></html>")
    assert "image-alt" in {v["id"] for v in axe_violations(chromium, axe_source)}

    link = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    token = services.link_token(link)
    gone = services.shortlist_link_send(shortlist=shortlist, by=referrer, channel="sms")
    services.shortlist_link_revoke(link=gone, by=referrer)
    pages = {
        "page-fr": f"/s/{token}?lang=fr",
        "page-en": f"/s/{token}?lang=en",
        "gone-fr": f"/s/{services.link_token(gone)}?lang=fr",
        "unknown-en": "/s/" + "A" * 43 + "?lang=en",
    }
    for name, path in pages.items():
        chromium.get(f"{live_server.url}{path}")
        violations = axe_violations(chromium, axe_source)
        serious = [v for v in violations if v["impact"] in SERIOUS]
        assert serious == [], (name, serious)
        screenshot(chromium, f"a11y-{name}")

    # Reflow: at 320 CSS pixels wide nothing needs a sideways scroll.
    chromium.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 800, "deviceScaleFactor": 2, "mobile": True},
    )
    chromium.get(f"{live_server.url}/s/{token}?lang=fr")
    overflow = chromium.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(chromium, "a11y-page-320px")
