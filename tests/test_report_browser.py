"""The report as a reviewer sees it: headless Chromium (the system package) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from profilecheck.report import build_report, highlight_shared
from profilecheck.store import Store

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def test_report_in_chromium(browser, scanned_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The case list, a photo-match card with distances, a bio twin, a cluster picture and a decision form."""
    with Store(scanned_copy) as store:
        first = next(  # the riskiest case with a photo match: the one the README shows
            v.profile_id for v in store.iter_verdicts() if "PHOTO_REUSED_ACROSS_PROFILES" in {e.code for e in v.reasons}
        )
        store.record_decision(first, "fake", "same headshot as three other accounts", "ann")
        out = build_report(store, tmp_path / "report.html", limit=40)
        total = store.count_verdicts()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(out.as_uri())
    assert total == page.locator("#queue tbody tr").count()
    card = page.locator(".card.photo-match").first
    card.scroll_into_view_if_needed()
    assert card.is_visible()
    assert card.locator("img").count() >= 2
    assert "bits apart" in card.inner_text()
    assert page.locator(".card.text-match mark").count() >= 1
    assert page.locator("svg.cluster circle").count() >= 3
    form = page.locator(f'section[id="{first}"] form.decide')
    assert form.locator("textarea[name=reason][required]").count() == 1
    assert form.locator("input[name=decision]").count() == 3
    assert "same headshot as three other accounts" in page.locator(f'section[id="{first}"] .decided').inner_text()
    # An empty reason blocks the form in the browser itself.
    assert not form.evaluate("f => f.checkValidity()")
    shot = tmp_path / "report.png"
    page.locator(f'section[id="{first}"]').screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("PROFILECHECK_UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, DOCS / "report-screenshot.png")
    page.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_decision_from_served_report(browser, scanned_copy: Path) -> None:  # type: ignore[no-untyped-def]
    """Served by `profilecheck serve`, the report's form records a decision (who, when, why) in the store."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "profilecheck", "serve", "-w", str(scanned_copy), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = browser.new_page()
        deadline = time.monotonic() + 60
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/report?limit=5")
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        section = page.locator("section.case").first
        pid = section.get_attribute("id")
        section.locator("input[value=genuine]").check()
        section.locator("textarea[name=reason]").fill("video call, ID checked")
        section.locator("input[name=reviewer]").fill("bob")
        section.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "video call, ID checked" in page.locator(f'section[id="{pid}"] .decided').inner_text()
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with Store(scanned_copy) as store:
        (d,) = store.decisions(pid)
    assert ("genuine", "bob", "video call, ID checked") == (d["decision"], d["reviewer"], d["reason"])
    assert d["at"]


def test_highlight_escapes_html() -> None:
    """Highlighting escapes the texts it marks up."""
    a, _b, n = highlight_shared("<b>I build fast apps</b> daily", "we <b>I build fast apps</b> too")
    assert "<b>" not in a and "&lt;b&gt;I" in a and n == 4
