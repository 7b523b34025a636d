"""The pages as a person meets them on a laptop and on a phone: tables that fit, the way to the
error after a failed form, the Show button, the signed-in shortcuts and local times."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flaskr.identity import clock
from tests.support.users import sign_in_elsewhere
from tests.support.web import FIREFOX, IPHONE, PASSWORD

from .browser import VIEWPORTS, expect, skip_without_tools, too_wide
from .test_flows import press, sign_in

skip_without_tools()
pytestmark = pytest.mark.realdb

WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browse):
    """A tab as wide as a laptop's or a phone's screen; `screen.kind` says which."""
    tab = browse.open(viewport=VIEWPORTS[request.param], is_mobile=request.param == "phone")
    tab.kind = request.param
    return tab


def busy_account(live_server) -> str:
    """A user with the longest name allowed, signed in on three other devices, one wrong guess."""
    longest = live_server.app.config["USERNAME_MAX_LENGTH"]
    username = live_server.create_user(("e2e-" + uuid.uuid4().hex * 2)[:longest])
    now = clock.now()
    # Days ago (kept signed in, or they would have ended) and minutes ago: long dates and short.
    for ip, agent, password, ago in [
        ("203.0.113.24", IPHONE, PASSWORD, timedelta(days=3)),
        ("192.0.2.66", FIREFOX, "not-the-password", timedelta(days=1)),
        ("2001:db8:85a3::8a2e:370:7334", WINDOWS, PASSWORD, timedelta(days=2)),
        ("198.51.100.7", FIREFOX, PASSWORD, timedelta(minutes=50)),
    ]:
        sign_in_elsewhere(
            live_server.app,
            username,
            ip=ip,
            agent=agent,
            password=password,
            remember=ago > timedelta(hours=1),
            at=now - ago,
        )
    return username


def test_tables_fit_the_screen(screen, a11y, live_server):
    username = busy_account(live_server)
    sign_in(screen, a11y, username, path="/auth/login")
    for path in ("/user", "/account"):
        screen.goto(path)
        a11y(screen)
        assert too_wide(screen) == [], f"{path} at {screen.kind}"
        times = screen.locator("td time")
        assert times.count() >= 4
        lines = times.evaluate_all("els => els.map(el => el.getClientRects().length)")
        if screen.kind == "desktop":
            # The column is wide enough for a date on one line, or two beside an IPv6 address.
            assert max(lines) <= 2, path
    # Every session's button is on the screen, where a thumb can reach it.
    buttons = screen.locator("td.action button")
    assert buttons.count() == 4
    width = VIEWPORTS[screen.kind]["width"]
    for box in buttons.evaluate_all("els => els.map(el => el.getBoundingClientRect().right)"):
        assert box <= width


def refused(screen, a11y, button: str, title: str):
    """Send the form with `button`: the page that comes back says "Error:" in its title and
    starts at its error summary, focused and on the screen. Returns the summary."""
    press(screen, button)
    a11y(screen)
    expect(screen).to_have_title(f"Error: {title} · flaskr")
    summary = screen.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    return summary


def test_a_failed_form_leads_to_its_errors(screen, a11y):
    screen.goto("/auth/register")
    a11y(screen)
    screen.get_by_label("Username").fill("a!")
    screen.get_by_label("Password", exact=True).fill("sunshine")
    summary = refused(screen, a11y, "Create account", "Create an account")
    # Every problem at once: both of the username's, and the password's.
    expect(summary.get_by_role("link")).to_have_count(3)
    expect(screen.locator("#username-error > span")).to_have_count(2)
    # A link in the summary takes the person to the field, its label in view.
    summary.get_by_role("link").nth(2).click()
    expect(screen.get_by_label("Password", exact=True)).to_be_focused()
    expect(screen.locator("label[for=password]")).to_be_in_viewport()
    assert too_wide(screen) == []


def test_a_wrong_password_far_down_the_page_is_seen(screen, a11y, live_server):
    username = live_server.create_user()
    sign_in(screen, a11y, username, path="/auth/login")
    screen.goto("/account")
    a11y(screen)
    screen.get_by_label("Your password").fill("not my password")
    summary = refused(screen, a11y, "Delete my account", "Settings")
    expect(summary).to_contain_text("That is not your current password.")


def test_the_password_can_be_shown_without_a_mouse(page, a11y):
    page.goto("/auth/login")
    a11y(page)
    field = page.get_by_label("Password", exact=True)
    field.focus()
    page.keyboard.type("violet harbour")
    page.keyboard.press("Tab")
    show = page.get_by_role("button", name="Show password")
    expect(show).to_be_focused()
    expect(show).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Space")
    expect(field).to_have_attribute("type", "text")
    hide = page.get_by_role("button", name="Hide password")
    expect(hide).to_be_focused()
    expect(hide).to_have_attribute("aria-pressed", "true")
    a11y(page)
    page.keyboard.press("Enter")
    expect(field).to_have_attribute("type", "password")
    expect(field).to_have_value("violet harbour")
    # Shown when the form is sent, hidden again before it goes.
    page.keyboard.press("Enter")
    expect(field).to_have_attribute("type", "text")
    page.evaluate(
        """document.querySelector("form.card").addEventListener("submit", event => {
            window.sentAs = document.getElementById("password").type;
            event.preventDefault();
        })"""
    )
    field.press("Enter")
    assert page.evaluate("window.sentAs") == "password"


def test_a_signed_in_person_skips_the_sign_in_pages(page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, path="/auth/login")
    expect(page.get_by_role("status")).to_have_text(f"Signed in as {username}.")
    for path in ("/auth/login", "/auth/register"):
        page.goto(path)
        a11y(page)
        expect(page).to_have_url(re.compile(r"/user$"))


def local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "America/St_Johns"])
def test_times_are_the_readers_own(browse, a11y, live_server, zone):
    username = live_server.create_user()
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    live_server.db.users.update_one({"username": username}, {"$set": {"created_at": created}})
    sign_in_elsewhere(
        live_server.app,
        username,
        ip="203.0.113.24",
        agent=IPHONE,
        at=clock.now() - timedelta(minutes=5, seconds=10),
    )
    page = browse.open(timezone_id=zone, locale="en-GB")
    sign_in(page, a11y, username, path="/auth/login")
    member_since = page.locator("dd time")
    expect(member_since.first).to_have_attribute("datetime", "2026-01-02T03:04:00Z")
    there = local(created, zone)
    text = member_since.first.inner_text()
    assert f"{there.day} {there:%B %Y}" in text, text
    assert re.search(rf"\b0?{there.hour}:{there:%M}\b", text), text
    assert "UTC" not in text
    # Recent events read as how long ago they were.
    expect(page.locator("td time").nth(0)).to_have_text(re.compile(r"^(now|\d+ seconds? ago)$"))
    expect(page.locator("td time").nth(1)).to_have_text("5 minutes ago")


def test_times_are_utc_without_the_script(browser, live_server):
    username = live_server.create_user()
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    live_server.db.users.update_one({"username": username}, {"$set": {"created_at": created}})
    # No script at all (axe included): the page still says when, in UTC.
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, timezone_id="Asia/Kathmandu"
    )
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        press(page, "Sign in")
        expect(page.locator("dd time").first).to_have_text("2 January 2026, 03:04 UTC")
    finally:
        context.close()


def test_the_admin_lists_fit_a_phone(browse, a11y, live_server):
    from .test_admin import make_admin, sign_in_admin

    username, key = make_admin(live_server)
    phone = browse.open(viewport=VIEWPORTS["phone"], is_mobile=True)
    sign_in_admin(phone, a11y, live_server, username, key)
    for path in ("/admin", "/admin/users", "/admin/audit"):
        phone.goto(path)
        a11y(phone)
        assert too_wide(phone) == [], path
    # The list's cells carry their column's heading (flaskr.js), as the user page's do.
    labels = phone.locator("main tbody td").evaluate_all(
        "cells => cells.map(cell => cell.dataset.label)"
    )
    assert labels and all(labels), labels
