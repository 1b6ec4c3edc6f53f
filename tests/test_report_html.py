"""The matrix page in a real browser: headless Chromium, driven by Selenium, on the page the merge
of the published reports (``docs/conformance/reports``, real runs) writes. Every assertion is on the
rendered page (what is displayed, where the bars are drawn, their computed colours), not on the
HTML text.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``) and Selenium
(``pip install -e '.[test]'``); skipped, with the reason, where they are missing.
"""

import os
import shutil
import tempfile

import pytest

from ipc_spec.report.html import page
from ipc_spec.report.matrix import merge

REPORTS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "conformance", "reports")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Chromium or chromedriver is not installed "
                                "(apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="ipc-spec-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1600,1000", "--user-data-dir=" + profile):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def matrix_page(tmp_path_factory):
    matrix = merge([REPORTS])
    path = tmp_path_factory.mktemp("matrix") / "matrix.html"
    path.write_text(page(matrix), encoding="utf-8")
    return matrix, "file://%s" % path


def _first(matrix, want):
    """The first divergent cell whose failure's history satisfies ``want``, and its panel id."""
    number = 0
    divergent = set(matrix.divergent())
    for row in matrix.rows:
        for column in matrix.columns:
            for method in matrix.methods[column]:
                if (row, column, method) not in divergent:
                    continue
                number += 1
                failure = matrix.failure(row, column, method)
                if failure and failure.get("history") and want(failure["history"]):
                    return failure, "d-%d" % number
    pytest.fail("no published failure has such a history")


def _open(browser, url, ident):
    from selenium.webdriver.common.by import By

    browser.get(url)
    panel = browser.find_element(By.ID, ident)
    assert not panel.is_displayed(), "a failure's panel shows before its cell is clicked"
    browser.find_element(By.CSS_SELECTOR, 'a[href="#%s"]' % ident).click()
    assert panel.is_displayed(), "clicking a divergent cell does not open its panel"
    return panel


def test_a_clicked_cell_shows_the_failure_and_its_timeline(browser, matrix_page):
    from selenium.webdriver.common.by import By

    matrix, url = matrix_page
    failure, ident = _first(matrix, lambda h: any(o["named"] for o in h["ops"]))
    panel = _open(browser, url, ident)
    text = panel.text
    assert failure["clause"] in text and "Promised:" in text
    assert failure["message"].split("\n")[0][:60] in text
    assert "The minimal example" in text and "Replay" in text
    lanes = panel.find_elements(By.CSS_SELECTOR, "svg.timeline g.lane-group")
    assert len(lanes) == failure["history"]["procs"], "one lane per process"
    bars = panel.find_elements(By.CSS_SELECTOR, "svg.timeline rect.op")
    assert len(bars) == len(failure["history"]["ops"]), "one bar per operation"
    for bar in bars:
        assert bar.is_displayed() and bar.size["width"] >= 2 and bar.size["height"] > 0
    named = panel.find_elements(By.CSS_SELECTOR, "svg.timeline rect.op.named")
    assert named and all(b.value_of_css_property("fill") == "rgb(221, 51, 51)" for b in named), \
        "the operations the clause names are highlighted"
    # A bar spans its operation: of two operations, the longer one is drawn at least as wide, and
    # an operation that starts later is drawn further right.
    ops = {"%d:%d" % (o["proc"], o["index"]): o for o in failure["history"]["ops"]}
    drawn = sorted(((ops[b.get_attribute("data-op")], b.rect) for b in bars), key=lambda p: p[0]["start_ms"])
    for (a, ra), (b, rb) in zip(drawn, drawn[1:]):
        assert rb["x"] >= ra["x"] - 0.5
    labels = [t.text for t in panel.find_elements(By.CSS_SELECTOR, "svg.timeline text.op-label")]
    for o in failure["history"]["ops"]:
        assert any(label.startswith(o["call"][:40]) for label in labels), "every bar is labelled with its call"


def test_a_deadlock_shows_the_blocked_step_and_the_deadline(browser, matrix_page):
    from selenium.webdriver.common.by import By

    matrix, url = matrix_page
    failure, ident = _first(matrix, lambda h: h["blocked"] and h["deadline_ms"])
    panel = _open(browser, url, ident)
    blocked = panel.find_elements(By.CSS_SELECTOR, "svg.timeline rect.blocked")
    assert len(blocked) == len(failure["history"]["blocked"])
    deadline = panel.find_element(By.CSS_SELECTOR, "svg.timeline line.deadline")
    # A vertical line has no width, which Selenium's is_displayed() takes for hidden: look at its
    # drawn height and stroke instead.
    assert deadline.rect["height"] > 20 and deadline.value_of_css_property("stroke") == "rgb(153, 0, 0)"
    for rect in blocked:  # a blocked step is drawn up to the deadline
        right = rect.rect["x"] + rect.rect["width"]
        assert abs(right - deadline.rect["x"]) < 3
    assert "deadline" in panel.text and "blocked: " in panel.text
    if failure["history"]["marks"]:
        assert panel.find_elements(By.CSS_SELECTOR, "svg.timeline line.kill, svg.timeline line.mark")
    if os.environ.get("IPC_SPEC_SCREENSHOT"):  # the picture in docs/conformance/ (see its README)
        browser.save_screenshot(os.environ["IPC_SPEC_SCREENSHOT"])


def test_the_page_needs_no_network(browser, matrix_page):
    """Nothing on the page is fetched: no scripts, stylesheets, images or frames from anywhere."""
    matrix, url = matrix_page
    browser.get(url)
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert fetched == []
    outside = browser.execute_script(
        "return document.querySelectorAll('script, link[rel=stylesheet], img, iframe').length")
    assert outside == 0
