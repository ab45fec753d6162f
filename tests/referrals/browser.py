"""Headless chromium for the link's page (Debian's chromium and chromedriver, as the curator
tool's browser test drives them), axe-core injected from the npm package under
clients/accessibility-check, and screenshots under artifacts/browser/referrals/. Without
chromium (or node for axe-core) the tests are skipped, except in CI, where they fail."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.curation.test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, WAIT_SECONDS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "browser" / "referrals"
AXE_PACKAGE = ROOT / "clients" / "accessibility-check"
AXE_SCRIPT = AXE_PACKAGE / "node_modules" / "axe-core" / "axe.min.js"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: in CI a missing program is a failure")
    pytest.skip(reason)


@pytest.fixture
def chromium():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        _missing(f"needs {' and '.join(missing)} (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="relier-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--lang=fr-FR")
    options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry (pinned by package-lock.json) when
    it is not there yet."""
    if not AXE_SCRIPT.exists():
        if shutil.which("npm") is None:
            _missing("needs npm to install axe-core (apt-get install nodejs npm)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AXE_PACKAGE,
            check=True,
            timeout=300,
        )
    return AXE_SCRIPT.read_text()


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                     "best-practice"]}})
   .then(result => done(result.violations.map(v => ({id: v.id, impact: v.impact,
        help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))
   .catch(error => done([{id: "axe-error", impact: "critical", help: String(error), nodes: []}]));
"""


def axe_violations(driver, source: str) -> list[dict]:
    """axe-core's violations on the page open in `driver`."""
    driver.execute_script(source)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver.execute_async_script(AXE_RUN)
