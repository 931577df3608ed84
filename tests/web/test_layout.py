"""Both pages at a small phone (320 px), a common phone (390 px) and a desktop (1280 px),
in a real headless Chromium: nothing scrolls sideways, the main controls are on screen and
big enough to touch, chart text is at least 11 px, and the pages pass the checks a screen
reader or keyboard user needs (labels, visible focus, AA contrast, live transcripts).

Every run saves full-page screenshots under build/screenshots/ (gitignored) for review.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import OPERATOR_TOKEN, LiveServer
from tests.web.test_browser import say, send_text

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
AS_OPERATOR = pytest.mark.parametrize(
    "live_settings", [{"CRAMPVOICE_DASHBOARD_TOKEN": OPERATOR_TOKEN}], indirect=True
)
PHONE_CONTROLS = ("#country", "#sms-text", "#sms-send", "#new-number")
SPEAKER_CONTROLS = ("#locale", "#screen", "#aloud", "#launch", "#voice-text", "#voice-send")
HEADER_CONTROLS = ("header.top nav a >> nth=0", "header.top nav a >> nth=1", ".logout button")
#: WCAG 2.2 AA target size (2.5.8): at least 24 x 24 CSS pixels.
MIN_TARGET = 24


def at_width(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def log_in(page: Any, live: LiveServer, target: str) -> None:
    page.goto(f"{live.url}/login?next={target}")
    page.fill("#token", OPERATOR_TOKEN)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live.url}{target}")


def overflow(page: Any) -> tuple[int, int]:
    width: tuple[int, int] = tuple(
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    )
    return width


def assert_inside(page: Any, selectors: tuple[str, ...]) -> None:
    """Each control is visible, wholly inside the viewport's width, and touch-sized."""
    width = page.evaluate("window.innerWidth")
    for selector in selectors:
        control = page.locator(selector)
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box, width)
        assert box["height"] >= MIN_TARGET - 0.5 or selector in ("#screen", "#aloud"), (
            selector,
            box,
        )


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@AS_OPERATOR
@pytest.mark.parametrize("width", WIDTHS)
def test_the_simulator_fits_the_screen(browser: Any, live: LiveServer, width: int) -> None:
    page = at_width(browser, width)
    log_in(page, live, "/")
    page.select_option("#country", "GB")
    page.wait_for_function(
        "() => document.getElementById('my-number').textContent.startsWith('+44')"
    )
    send_text(page, "I have a cramp in my calf")
    send_text(page, "my calf is swollen and I can't breathe")
    page.uncheck("#aloud")
    page.check("#screen")
    page.select_option("#locale", "en-GB")
    page.click("#launch")
    page.wait_for_selector("#transcript .turn.alexa")
    say(page, "I have a cramp")
    say(page, "next")

    assert overflow(page)[0] <= overflow(page)[1], f"the page scrolls sideways at {width} px"
    assert_inside(page, HEADER_CONTROLS)
    assert_inside(page, PHONE_CONTROLS)
    assert_inside(page, SPEAKER_CONTROLS)
    # The Echo Show screen fits the width and shows the whole step, no words cut off.
    assert_inside(page, ("#apl",))
    clipped = page.evaluate(
        "[...document.querySelectorAll('#apl p')].some(p => p.scrollHeight > p.clientHeight + 1"
        " || p.getBoundingClientRect().bottom > "
        "document.getElementById('apl').getBoundingClientRect().bottom)"
    )
    assert not clipped, "the Echo Show view cuts its text off"
    assert page.inner_text("#apl-text").strip() in page.inner_text("#transcript")
    shoot(page, f"simulator-{width}")
    assert not page.errors
    page.context.close()


@AS_OPERATOR
@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_fits_the_screen(browser: Any, live: LiveServer, width: int) -> None:
    phone = at_width(browser, 1280)
    log_in(phone, live, "/")
    send_text(phone, "I have a cramp")
    send_text(phone, "my calf is swollen and I can't breathe")
    phone.context.close()

    page = at_width(browser, width)
    log_in(page, live, "/dashboard?days=30")
    page.click("details summary")  # the day-by-day table: the widest one
    assert overflow(page)[0] <= overflow(page)[1], f"the dashboard scrolls sideways at {width} px"
    assert_inside(page, HEADER_CONTROLS)
    assert_inside(page, ("nav.periods a >> nth=0", "nav.periods a >> nth=3", "details summary"))
    # Tables scroll inside their own box, never the page.
    boxes = page.evaluate(
        "[...document.querySelectorAll('.table-scroll')].map(b => b.getBoundingClientRect().right)"
    )
    assert boxes and max(boxes) <= width
    # Chart text: at least 11 px, whether HTML or SVG.
    sizes = page.evaluate(
        """[...document.querySelectorAll('.daychart *, .hbars *, svg.chart text')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => !e.closest('title'))
        .map(e => e instanceof SVGElement ? e.getBoundingClientRect().height
                                          : parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert sizes and min(sizes) >= 11, sizes
    assert page.locator("svg.chart rect.series-sms").count() == 30
    shoot(page, f"dashboard-{width}")
    for days in (7, 14, 30, 90):  # the dates under the chart never overlap or leave the page
        page.goto(f"{live.url}/dashboard?days={days}")
        labels = page.evaluate(
            "[...document.querySelectorAll('.x-labels span')].map(s => {"
            " const r = s.getBoundingClientRect(); return [r.left, r.right]; })"
        )
        assert len(labels) == 4 and labels[0][0] >= 0 and labels[-1][1] <= width
        assert all(a[1] <= b[0] for a, b in pairwise(labels)), labels
    assert not page.errors
    page.context.close()


# --------------------------------------------------------------------------- accessibility

UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.id || e.outerHTML)"""

# Text whose colour against its background is below WCAG AA (4.5:1; 3:1 for large text).
LOW_CONTRAST = """(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (e) => {
    for (let node = e; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== 'none') return null;  // a gradient: not measured
      const c = rgb(style.backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const e of document.querySelectorAll('body *')) {
    const text = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
    if (!text.trim() || e.closest('svg, [hidden], .visually-hidden, option')) continue;
    const box = e.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    const style = getComputedStyle(e);
    const back = background(e);
    if (!back) continue;
    const fore = rgb(style.color).slice(0, 3);
    const [hi, lo] = [lum(fore), lum(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(text.trim().slice(0, 30) + ': ' + ratio.toFixed(2));
  }
  return bad;
})()"""


def focus_ring(page: Any) -> dict[str, Any]:
    ring: dict[str, Any] = page.evaluate(
        """(() => { const e = document.activeElement, s = getComputedStyle(e);
        return {id: e.id || e.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        })()"""
    )
    return ring


@AS_OPERATOR
def test_both_pages_work_for_screen_readers_and_keyboards(
    browser: Any, live: LiveServer
) -> None:
    page = at_width(browser, 390)
    log_in(page, live, "/")
    send_text(page, "STOP")
    page.uncheck("#aloud")
    page.check("#screen")
    page.click("#launch")
    page.wait_for_selector("#transcript .turn.alexa")

    assert page.evaluate(UNLABELLED) == []
    assert page.get_attribute("#transcript", "aria-live") == "polite"
    assert page.get_attribute("#thread", "aria-live") == "polite"
    assert page.evaluate(LOW_CONTRAST) == []
    page.focus("#sms-text")
    for _ in range(12):  # every control reached by Tab shows where the focus is
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        assert ring["style"] != "none" and ring["width"] >= 2, ring

    page.goto(live.url + "/dashboard")
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(LOW_CONTRAST) == []
    page.focus("nav.periods a >> nth=0")
    page.keyboard.press("Tab")
    assert focus_ring(page)["style"] != "none"
    page.context.close()
