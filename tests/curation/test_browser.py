"""The curator tool in a real headless browser: Debian's chromium driven by Selenium through
Debian's chromedriver (never a downloaded one), against the test server.

The demo curator of Nantes Métropole signs in, filters the queue, approves two pending
activities at once, reads one's history and opens the coverage map of the territory. Each step
leaves a screenshot under artifacts/browser/ (kept by CI). Without chromium the test is
skipped, except in CI (CI=true), where it fails.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from activities import choices
from activities.demo import demo_directory_load
from activities.models import Activity, Territory
from curation.demo import demo_curator_ensure
from tests.factories import ActivityFactory

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
PASSWORD = "curatrice-de-demo-2026"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1024",
)
WAIT_SECONDS = 20
Status = choices.ActivityStatus


@pytest.fixture
def browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        reason = f"needs {' and '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: in CI a missing browser is a failure")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="relier-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    # The curators read the tool in French, the default language.
    options.add_argument("--lang=fr-FR")
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Journey:
    """The browser and a numbered screenshot after each step."""

    def __init__(self, driver, base_url: str):
        self.driver, self.base_url, self.step = driver, base_url, 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def open(self, path: str) -> None:
        self.driver.get(f"{self.base_url}{path}")

    def find(self, css: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT_SECONDS).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def follow(self, css: str) -> None:
        """Click what leads to another page, and wait until the page it was on is gone: a
        `find` right after a click could otherwise find the element on the page left (the
        admin's header is on both), which goes stale as the next one loads."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        page = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()
        WebDriverWait(self.driver, WAIT_SECONDS).until(expected_conditions.staleness_of(page))

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def screenshot(self, name: str) -> Path:
        self.step += 1
        path = SCREENSHOTS / f"{self.step:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        return path


# Once the page has loaded, the image is loaded again on its own unless it is already shown:
# on SQLite the test server's threads share one in-memory connection, and the image's request
# can collide with the page's other requests (translations catalog) on it.
IMAGE_LOADED = """
const [img, done] = arguments;
const finish = () => done(img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0);
const reload = () => {
    if (img.naturalWidth > 0) return finish();
    img.onload = finish;
    img.onerror = finish;
    img.src = img.src + (img.src.includes("?") ? "&" : "?") + "again=1";
};
const ready = () => document.readyState === "complete" && img.complete;
const wait = () => (ready() ? reload() : setTimeout(wait, 50));
wait();
"""


def image_loaded(driver, image) -> bool:
    driver.set_script_timeout(WAIT_SECONDS)
    return driver.execute_async_script(IMAGE_LOADED, image) > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_curator_moderates_in_the_browser(browser, live_server):
    from selenium.webdriver.support.ui import Select

    demo_directory_load(today=timezone.localdate())
    curator = demo_curator_ensure(password=PASSWORD)
    # The demo directory has one activity waiting; a second one from Rezé joins it.
    waiting = list(Activity.objects.filter(status=Status.PENDING))
    reze = Territory.objects.get(insee_code="44143")
    waiting.append(
        ActivityFactory(
            status=Status.PENDING,
            title="Atelier tricot du quartier Trentemoult",
            territory=reze,
            place__territory=reze,
        )
    )
    assert len(waiting) == 2
    journey = Journey(browser, live_server.url)

    journey.open("/curation/")
    journey.find("#id_username").send_keys(curator.user.email)
    journey.find("#id_password").send_keys(PASSWORD)
    journey.screenshot("sign-in")
    journey.follow("#login-form [type=submit]")
    assert journey.find("#site-name").text
    journey.screenshot("signed-in")

    journey.open("/curation/activities/activity/")
    journey.follow('#changelist-filter a[href*="status__exact=pending"]')
    journey.find("#result_list")
    rows = journey.find_all("#result_list tbody tr")
    titles = {row.find_element("css selector", "th a").text for row in rows}
    assert titles == {activity.title for activity in waiting}
    journey.screenshot("queue-filtered")

    for checkbox in journey.find_all("#result_list input.action-select"):
        checkbox.click()
    Select(journey.find("select[name=action]")).select_by_value("approve")
    journey.screenshot("two-selected")
    journey.follow("button[name=index]")
    message = journey.find(".messagelist .success").text
    assert "2" in message, message
    assert set(
        Activity.objects.filter(pk__in=[a.pk for a in waiting]).values_list("status", flat=True)
    ) == {Status.PUBLISHED}
    journey.screenshot("approved")

    journey.open(f"/curation/activities/activity/{waiting[0].pk}/change/")
    journey.follow("a.historylink")
    approval = journey.find("#audit-trail tr.audit-published")
    assert curator.user.display_name in approval.text or curator.user.email in approval.text
    journey.screenshot("history")

    journey.open(f"/curation/activities/territory/{curator.territory.pk}/change/")
    image = journey.find("img#coverage-map")
    assert image_loaded(browser, image), "the coverage map did not load"
    browser.execute_script("arguments[0].scrollIntoView();", image)
    journey.screenshot("coverage-map")
