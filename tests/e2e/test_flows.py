"""What a person does in a real browser: register, sign in, get refused, come back later."""

from __future__ import annotations

import re

import pytest

from flaskr import messages
from flaskr.identity.policy import Policy
from flaskr.identity.users import username_key
from tests.support.web import PASSWORD

from .browser import expect, skip_without_tools

skip_without_tools()
pytestmark = pytest.mark.realdb


def press(page, button: str) -> None:
    """Click a button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def sign_in(page, a11y, username: str, password: str = PASSWORD, *, remember=False, path=None):
    """Fill in and send the sign-in form (at `path`, default the plain sign-in page)."""
    if path is not None:
        page.goto(path)
        a11y(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    press(page, "Sign in")
    a11y(page)


def sign_out(page) -> None:
    """Press the header's sign-out button (other pages may have buttons of the same name)."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()


def needs(live_server, rule: str, what: str) -> None:
    """Skip, saying why, while the route this test is about is not in the app yet."""
    if not live_server.has_route(rule):
        pytest.skip(f"{rule} is not in this app yet ({what})")


def restarted(browse, page):
    """A new browser profile holding only the cookies that outlive a browser restart."""
    state = page.context.storage_state()
    state["cookies"] = [c for c in state["cookies"] if c["expires"] > 0]
    return browse.open(storage_state=state)


def test_register_sign_in_user_page_sign_out(page, a11y):
    page.goto("/")
    a11y(page)
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Create an account").click()
    a11y(page)
    page.get_by_label("Username").fill("Marguerite.e2e")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Create account")
    # Signed in at once, and welcomed on the user page.
    expect(page).to_have_url(re.compile(r"/user$"))
    expect(page.get_by_role("status")).to_have_text(
        "Welcome, Marguerite.e2e. Your account is ready and you are signed in."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("This is your first sign-in.")).to_be_visible()
    a11y(page)

    sign_out(page)
    a11y(page)
    sign_in(page, a11y, "marguerite.E2E", path="/auth/login")
    expect(page).to_have_url(re.compile(r"/user$"))
    expect(page.get_by_role("status")).to_have_text("Signed in as Marguerite.e2e.")

    sign_out(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    a11y(page)
    page.goto("/user")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    a11y(page)


def test_registration_errors_are_shown_next_to_the_field(page, a11y, live_server):
    taken = live_server.create_user()
    page.goto("/auth/register")
    a11y(page)
    page.get_by_label("Username").fill(taken.upper())
    page.get_by_label("Password", exact=True).fill("short")
    press(page, "Create account")
    a11y(page)
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    policy = Policy.from_config(live_server.app.config)
    expect(page.locator("#password-error")).to_contain_text(
        f"Password must be at least {policy.password_min} characters long."
    )
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Create account")
    a11y(page)
    expect(page.locator("#username-error")).to_have_text("Error: That username is already taken.")
    # Only the username was wrong: the password is still typed in.
    expect(page.get_by_label("Password", exact=True)).to_have_value(PASSWORD)
    # The stored key is the name's look-alike skeleton (tests/identity/test_lookalike_names.py).
    assert live_server.db.users.count_documents({"username_key": username_key(taken)}) == 1


@pytest.mark.parametrize("who", ["wrong password", "unknown user"])
def test_wrong_credentials_show_the_exact_generic_message(page, a11y, live_server, who):
    username = live_server.create_user()
    if who == "unknown user":
        username = "nobody-" + username
    sign_in(page, a11y, username, PASSWORD + "x" * (who == "wrong password"), path="/auth/login")
    expect(page.get_by_role("alert")).to_contain_text(messages.INCORRECT_LOGIN)
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    # The username stays filled in; the password never comes back from the server.
    expect(page.get_by_label("Username")).to_have_value(username)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


def test_protected_page_sends_to_sign_in_and_back(page, a11y, live_server):
    username = live_server.create_user()
    page.goto("/user?from=e2e")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fuser%3Ffrom%3De2e$"))
    expect(page.get_by_role("status")).to_have_text("Please sign in to see that page.")
    a11y(page)
    sign_in(page, a11y, username)
    expect(page).to_have_url(re.compile(r"/user\?from=e2e$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_remember_me_survives_a_browser_restart(browse, page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, remember=True, path="/auth/login")
    later = restarted(browse, page)
    later.goto("/user")
    a11y(later)
    expect(later).to_have_url(re.compile(r"/user$"))
    expect(later.get_by_role("heading", level=1)).to_have_text("Your account")


def test_without_remember_me_a_restart_signs_out(browse, page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/user$"))
    later = restarted(browse, page)
    later.goto("/user")
    a11y(later)
    expect(later).to_have_url(re.compile(r"/auth/login\?next="))


def test_ending_the_users_sessions_signs_out_a_remembered_browser(browse, page, a11y, live_server):
    username = live_server.create_user()
    sign_in(page, a11y, username, remember=True, path="/auth/login")
    later = restarted(browse, page)
    user = live_server.db.users.find_one({"username": username})
    assert live_server.db.sessions.delete_many({"user_id": user["_id"]}).deleted_count == 1
    later.goto("/user")
    a11y(later)
    expect(later).to_have_url(re.compile(r"/auth/login\?next="))


def test_keyboard_alone_signs_in(page, a11y, live_server):
    username = live_server.create_user()
    page.goto("/auth/login")
    a11y(page)
    # The cursor waits in the username field.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show password")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Keep me signed in on this device")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Keep me signed in on this device")).to_be_checked()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y(page)
    expect(page).to_have_url(re.compile(r"/user$"))
    session = live_server.db.sessions.find_one(
        {"user_id": live_server.db.users.find_one({"username": username})["_id"]}
    )
    assert session["remember"] is True


def test_the_skip_link_comes_first(page, a11y):
    page.goto("/")
    a11y(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


NEW_PASSWORD = "quartz-lantern-47-meadow"


def test_sign_out_everywhere_ends_a_remembered_browser(browse, page, a11y, live_server):
    needs(live_server, "/account/sessions/revoke", "the account page")
    username = live_server.create_user()
    sign_in(page, a11y, username, remember=True, path="/auth/login")
    remembered = restarted(browse, page)
    remembered.goto("/user")
    a11y(remembered)
    expect(remembered).to_have_url(re.compile(r"/user$"))

    other = browse.open()
    sign_in(other, a11y, username, path="/auth/login")
    other.goto("/account")
    a11y(other)
    press(other, "Sign out everywhere else")
    expect(other.get_by_role("status")).to_contain_text("Signed out 1 other session")
    a11y(other)

    remembered.goto("/user")
    a11y(remembered)
    expect(remembered).to_have_url(re.compile(r"/auth/login\?next="))
    other.goto("/user")
    a11y(other)
    expect(other).to_have_url(re.compile(r"/user$"))


def test_account_page_changes_the_password(page, a11y, live_server):
    needs(live_server, "/account/password", "the account page")
    username = live_server.create_user()
    sign_in(page, a11y, username, path="/auth/login")
    page.goto("/account")
    a11y(page)
    page.get_by_label("Current password").fill(PASSWORD + "x")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    press(page, "Change password")
    a11y(page)
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    # Said as what it was on the activity list, not as a failed sign-in.
    page.goto("/user")
    a11y(page)
    expect(page.get_by_text("Wrong password when confirming a change")).to_be_visible()
    page.goto("/account")
    a11y(page)

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    press(page, "Change password")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed.")
    a11y(page)

    sign_out(page)
    a11y(page)
    sign_in(page, a11y, username, PASSWORD, path="/auth/login")
    expect(page.get_by_role("alert")).to_contain_text(messages.INCORRECT_LOGIN)
    sign_in(page, a11y, username, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/user$"))
