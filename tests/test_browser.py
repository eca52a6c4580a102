"""The built site in a real browser: Debian's Chromium driven by Playwright, served over HTTP.

These tests fail (they do not skip) when Chromium is missing: the maps, the tables and the
time slider are the site's main promise, and CI installs Chromium (.ci/run).
"""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from status.publish import build
from status.site_serve import make_server
from tests.test_site import TODAY, add_bill, add_sample_records, new_db

CHROMIUM = os.environ.get("KRATOM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The sample site, served by a real HTTP server on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("browser")
    conn = new_db(folder / "kratom.db")
    add_sample_records(conn)
    add_bill(conn, "US-LA", "HB 12", "passed-one-chamber", "2026-04-02")
    conn.close()
    build(folder / "kratom.db", folder / "out", today=TODAY)
    server = make_server(folder / "out", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it (apt-get install chromium) "
            "or set KRATOM_CHROMIUM; the site's browser tests cannot run without it"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def fill_of(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).fill")


def test_the_map_renders_one_shape_per_state_and_dc(page, base_url, tmp_path):
    page.goto(base_url)
    shapes = page.locator("#map-us a.area > path")
    expect(shapes).to_have_count(51)
    assert "pat-banned" in fill_of(page, "#map-us a[data-code='US-AL'] > path")
    assert fill_of(page, "#map-us a[data-code='US-NY'] > path") == "rgb(212, 212, 212)"
    expect(page.get_by_role("group", name="Kratom legal status in the US states")).to_be_visible()
    page.screenshot(path=tmp_path / "map.png", full_page=True)  # for a person to look at


def test_clicking_a_state_opens_its_page(page, base_url):
    page.goto(base_url)
    page.locator("#map-us a[data-code='US-AL'] > path").click()
    page.wait_for_url("**/j/US-AL/")
    expect(page.locator("h1")).to_contain_text("Alabama")
    expect(page.locator("#quote")).to_contain_text("Kratom is banned in Alabama since 10 May 2016")


def test_hover_and_keyboard_focus_show_name_and_status(page, base_url):
    page.goto(base_url)
    page.locator("#map-us a[data-code='US-TX'] > path").hover()
    tooltip = page.locator("#map-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text("Texas: restricted since 1 June 2025")
    page.locator("#map-us a[data-code='US-KY']").focus()
    expect(tooltip).to_have_text(
        "Kentucky: restricted since 4 April 2024; banned from 1 January 2027"
    )


def test_the_table_filter_and_sort_work(page, base_url):
    page.goto(base_url)
    block = page.locator(".table-block[data-table='us']")
    rows = block.locator("tbody tr:visible")
    expect(rows).to_have_count(56)
    block.locator(".filter-text").fill("kent")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kentucky")
    expect(block.locator(".shown")).to_have_text("1 of 56 shown")
    block.locator(".filter-text").fill("")
    block.locator(".filter-status").select_option("banned")
    expect(rows).to_have_count(2)
    block.locator(".filter-status").select_option("")
    block.locator("thead th", has_text="Status").locator("button").click()
    expect(rows.first).to_have_attribute("data-status", "banned")


def test_the_time_slider_changes_the_colours(page, base_url):
    page.goto(base_url)
    slider = page.locator("#as-of-slider")
    expect(slider).to_be_visible()
    alabama = "#map-us a[data-code='US-AL'] > path"
    assert "pat-banned" in fill_of(page, alabama)
    slider.focus()
    page.keyboard.press("Home")  # the earliest snapshot: 1979
    expect(page.locator("#as-of-output")).to_have_text("31 December 1979")
    expect(page.locator("#map-us a[data-code='US-AL']")).to_have_class("area s-unknown")
    assert fill_of(page, alabama) == "rgb(212, 212, 212)"
    assert "pat-banned" in fill_of(page, "#map-world a[data-code='TH'] > path")
    row = page.locator("#table-us tr[data-code='US-AL']")
    expect(row).to_have_attribute("data-status", "unknown")
    expect(page.locator("[data-count='us-banned']")).to_have_text("0")
    pending = page.locator("#map-us .pending-mark[data-code='US-LA']")
    expect(pending).to_be_hidden()  # a bill live today was not pending in 1979
    page.locator("#as-of-reset").click()
    expect(page.locator("#map-us a[data-code='US-AL']")).to_have_class("area s-banned")
    expect(pending).to_be_visible()
    expect(page.locator("[data-count='us-banned']")).to_have_text("2")


def test_the_site_works_with_javascript_disabled(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url)
        expect(page.locator("#map-us a.area > path")).to_have_count(51)
        expect(page.locator("#table-us tbody tr:visible")).to_have_count(56)
        expect(page.locator("#table-world tbody tr:visible")).to_have_count(249)
        expect(page.locator(".table-tools").first).to_be_hidden()  # no dead controls
        expect(page.locator(".slider")).to_be_hidden()
        assert "pat-banned" in fill_of(page, "#map-us a[data-code='US-AL'] > path")
        page.get_by_role("link", name="2016", exact=True).click()
        page.wait_for_url("**/as-of/2016/")
        expect(page.locator("#table-world tr[data-code='TH']")).to_have_attribute(
            "data-status", "banned"
        )
        page.locator("#map-us a[data-code='US-AL'] > path").click()
        page.wait_for_url("**/j/US-AL/")
        expect(page.locator("h1")).to_contain_text("Alabama")
    finally:
        context.close()


def test_the_change_log_filters_by_region(page, base_url):
    page.goto(base_url + "changes/")
    rows = page.locator("#changes-list tbody tr:visible")
    expect(rows).to_have_count(10)
    page.locator("#region-select").select_option("us-south")
    expect(rows).to_have_count(7)  # AL, AR, Benton County AR, FL, KY (two), TX
    for text in rows.all_inner_texts():
        assert "Thailand" not in text
