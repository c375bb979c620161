"""report.html in a real browser: headless Chromium (Debian's, which .ci/run installs) driven
by Playwright.  The page must load with no request leaving the file, every image must decode
and show at its drawn size, a 390 px phone must not scroll sideways, the selector must switch
the equalities section, and the page must print on A4."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import built_report
import pytest

# No network here: without these flags Chromium tries to reach its vendor's services.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
A4_POINTS = (595.3, 841.9)          # 210 x 297 mm


def chromium() -> str | None:
    """Debian's chromium (or another Chromium on PATH)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def report() -> str:
    return (built_report.built()[0] / "report.html").as_uri()


@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium browser found (install Debian's chromium: apt-get install -y "
                    "chromium, as .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def open_page(browser, url: str, width: int = 1366):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page, requests, errors


def test_the_page_loads_with_no_request_leaving_the_file(browser, report):
    page, requests, errors = open_page(browser, report)
    assert requests[0] == report
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert not errors
    assert page.title().endswith("personal budgets RAS study")
    page.close()


def test_every_image_decodes_and_shows_at_its_drawn_size(browser, report):
    page, _, _ = open_page(browser, report)
    images = page.evaluate("""Array.from(document.images).map(i => ({complete: i.complete,
        natural: i.naturalWidth, shown: i.getBoundingClientRect().width,
        drawn: Number(i.getAttribute('width')), alt: i.alt}))""")
    assert len(images) == 4
    for im in images:
        assert im["complete"] and im["natural"] > 0 and im["alt"]
        assert abs(im["shown"] - im["drawn"]) < 1        # not shrunk: text stays >= 9 pt
    page.close()


PHONE = 390


def phone_fits(page) -> None:
    """At 390 px: the page never scrolls sideways, every figure fits the screen, no visible
    table box scrolls sideways, and a table of more than the identifier and two columns
    shows as cards (each cell on its own line beside its heading)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    figures = page.evaluate("Array.from(document.images).map(i => i.getBoundingClientRect().right)")
    assert all(right <= PHONE for right in figures)
    boxes = page.evaluate("""Array.from(document.querySelectorAll('div.scroll'))
        .filter(b => b.offsetParent !== null).map(b => ({inner: b.scrollWidth,
        width: b.clientWidth, wide: b.classList.contains('wide'),
        cells: Array.from(b.querySelectorAll('tbody td[data-label]'))
            .map(td => getComputedStyle(td).display)}))""")
    assert boxes
    for b in boxes:
        assert b["inner"] <= b["width"] + 1, b
        if b["wide"]:
            assert b["cells"] and set(b["cells"]) == {"flex"}, b


def test_a_phone_never_scrolls_sideways_and_figures_scale_to_it(browser, report):
    page, _, _ = open_page(browser, report, width=PHONE)
    phone_fits(page)
    shown = page.evaluate("Array.from(document.images).map(i => [i.getBoundingClientRect()"
                          ".width, Number(i.getAttribute('width'))])")
    assert any(drawn > PHONE for _, drawn in shown)       # wider than the phone as drawn ...
    assert all(w < PHONE for w, _ in shown)               # ... and scaled down to fit it
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "15px"
    page.close()


def test_on_a_wide_screen_a_table_that_scrolls_says_so(browser, report):
    page, _, _ = open_page(browser, report, width=800)     # narrower than the widest tables
    boxes = page.evaluate("""Array.from(document.querySelectorAll('div.scroll'))
        .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
        .map(b => (b.previousElementSibling || {}).className)""")
    assert boxes and all(c == "more" for c in boxes)
    page.close()
    page, _, _ = open_page(browser, report)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    unmarked = page.evaluate("""Array.from(document.querySelectorAll('div.scroll'))
        .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1
                && (b.previousElementSibling || {}).className !== 'more').length""")
    assert unmarked == 0
    page.close()


def test_the_contents_links_lead_to_their_sections(browser, report):
    page, _, _ = open_page(browser, report)
    targets = page.evaluate("""Array.from(document.querySelectorAll('nav.toc a'))
        .map(a => a.getAttribute('href')).filter(h => h.startsWith('#'))
        .map(h => !!document.getElementById(h.slice(1)))""")
    assert len(targets) >= 6 and all(targets)
    page.close()


def test_the_selector_changes_the_equalities_section(browser, report):
    page, _, _ = open_page(browser, report)

    def shown() -> list[str]:
        return page.evaluate("""Array.from(document.querySelectorAll('section.eia-policy'))
            .filter(s => s.offsetParent !== null).map(s => s.id)""")

    assert shown() == ["eia-2"]                                  # the recommended option
    page.select_option("#eia-choice", "eia-1")
    assert shown() == ["eia-1"]
    assert page.locator("#eia-1 h3").inner_text() == "Equalities: 1. a+immediate"
    page.select_option("#eia-choice", "eia-3")
    assert shown() == ["eia-3"] and page.locator("#eia-3 table").count() == 3   # bands, groups, admissions
    page.close()


def test_the_page_prints_on_a4_without_clipped_columns(browser, report, tmp_path):
    page, _, _ = open_page(browser, report)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # the stylesheet's size
    sizes = {tuple(float(x) for x in m) for m in
             re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1
                         for w, h in sizes)
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) >= 2
    page.close()
    # A4 less 15 mm margins is 180 mm = 680 CSS px: in print every table fits in it
    page = browser.new_page(viewport={"width": 680, "height": 1000})
    page.emulate_media(media="print")
    page.goto(report, wait_until="load")
    overflow = page.evaluate("""Array.from(document.querySelectorAll('table'))
        .filter(t => t.offsetParent !== null)
        .map(t => t.getBoundingClientRect().right).filter(r => r > 681)""")
    assert overflow == []
    page.close()


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_the_first_screen_gives_every_options_verdict_and_the_recommended_result(
        browser, report, width, height):
    """Without scrolling, a reader sees the verdict against the finance baseline (named) for
    every option -- those meeting the target and the range of the others' chances -- and the
    recommended option's result."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(report, wait_until="load")
    for element in ("#verdict", "#recommended"):
        box = page.locator(element).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, \
            (element, box)
    verdict = page.locator("#verdict").inner_text()
    assert "judged against the base budget" in verdict
    assert "none of the 3 options meets the £100 target" in verdict
    assert "their chances are 0% to 75%" in verdict
    assert "does not meet the target" in page.locator("#recommended").inner_text()
    page.close()
