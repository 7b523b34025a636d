"""Passkeys in a real browser: Chromium with a virtual authenticator (Chrome DevTools Protocol:
ctap2, internal transport, resident keys, user verification) on http://localhost:PORT, the
app's PUBLIC_URL (WebAuthn refuses IP-address hosts). Add one, sign out, sign in with it and no
username (button and autofill), use it as the second step; and the refusals: no user
verification, another account's passkey at re-authentication, a replayed or expired challenge,
a removed passkey, a sign count going back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from flaskr import messages
from flaskr.identity import clock as app_clock

from .browser import VIEWPORTS, expect, require_tools, skip_without_tools, too_wide
from .conftest import live, strict_tab
from .test_flows import press, sign_in, sign_out

skip_without_tools()
pytestmark = pytest.mark.realdb


@pytest.fixture(scope="module")
def passkey_server(request, tmp_path_factory):
    """The app served as http://localhost:PORT, which is also its PUBLIC_URL."""
    require_tools()
    real_server = request.getfixturevalue("real_server")
    with live(real_server, tmp_path_factory.mktemp("passkeys"), host="localhost") as served:
        yield served


@pytest.fixture
def site(passkey_server):
    """The tabs of this module browse the app at http://localhost:PORT."""
    return passkey_server


class Authenticator:
    """A virtual authenticator in one tab, as a phone or laptop with a fingerprint reader."""

    def __init__(self, page, **options) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        options = {
            "protocol": "ctap2",
            "ctap2Version": "ctap2_1",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            **options,
        }
        added = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
        self.id = added["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def put(self, credential: dict, **changes) -> None:
        self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.id, "credential": {**credential, **changes}},
        )

    def clear(self) -> list[dict]:
        """Take its passkeys out; return them as they were."""
        held = self.credentials()
        self.cdp.send("WebAuthn.clearCredentials", {"authenticatorId": self.id})
        return held

    def user_verified(self, verified: bool) -> None:
        self.cdp.send(
            "WebAuthn.setUserVerified", {"authenticatorId": self.id, "isUserVerified": verified}
        )


@contextmanager
def autofill_held(page) -> Iterator[None]:
    """The sign-in page's first options request, its autofill's, left unanswered as on a slow
    network: the authenticator would otherwise sign in through the autofill as the page loads,
    before anything else can be tried."""
    held = []

    def hold_the_first(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    pattern = "**/api/v1/passkeys/sign-in/options"
    page.route(pattern, hold_the_first)
    try:
        yield
    finally:
        page.unroute(pattern)


def add_passkey(page, a11y, name: str) -> None:
    """On the two-factor page, add a passkey called `name` (signed in, freshly)."""
    page.goto("/account/two-factor")
    a11y(page)
    page.get_by_label("Name of the new passkey").fill(name)
    press(page, "Add a passkey")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.passkey_added(name))
    expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()


def start(page, a11y, passkey_server) -> tuple[str, Authenticator]:
    """A new account signed in with its password in a tab with an authenticator."""
    username = passkey_server.create_user()
    device = Authenticator(page)
    sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/user$"))
    return username, device


def signed_in_with_the_button(page, a11y) -> None:
    """Sign in with 'Sign in with a passkey', no username typed."""
    with autofill_held(page):
        page.goto("/auth/login")
        a11y(page)
        press(page, "Sign in with a passkey")
    a11y(page)


def expect_signed_in_as(page, username: str) -> None:
    """The header names the account this tab is signed in to."""
    header = page.get_by_role("navigation", name="Main")
    expect(header.get_by_role("link", name=username, exact=True)).to_be_visible()


def alert_of(page):
    return page.locator("[data-passkey-alert]")


def test_add_sign_out_and_sign_in_with_no_username(page, a11y, passkey_server):
    username, device = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Virtual laptop")
    item = page.get_by_role("listitem").filter(has_text="Virtual laptop")
    expect(item).to_contain_text("Bound to one device")
    expect(item).to_contain_text("Never")
    [held] = device.credentials()
    assert held["isResidentCredential"] and held["rpId"] == "localhost"
    assert held["userName"] == username

    sign_out(page)
    a11y(page)
    signed_in_with_the_button(page, a11y)
    expect(page).to_have_url(re.compile(r"/user$"))
    expect_signed_in_as(page, username)
    activity = page.get_by_role("table", name="Recent activity")
    expect(activity).to_contain_text(messages.EVENTS["passkey_sign_in"])
    page.goto("/account/two-factor")
    a11y(page)
    expect(page.get_by_role("listitem").filter(has_text="Virtual laptop")).not_to_contain_text(
        "Never"
    )


# What a browser without WebAuthn's JSON helpers (level 3) is like.
WITHOUT_JSON_HELPERS = """
    delete PublicKeyCredential.parseCreationOptionsFromJSON;
    delete PublicKeyCredential.parseRequestOptionsFromJSON;
    delete PublicKeyCredential.prototype.toJSON;
"""


def test_the_script_works_without_the_browsers_json_helpers(page, a11y, passkey_server):
    """The base64url fallback: options decoded and the answer encoded by the script itself."""
    page.context.add_init_script(WITHOUT_JSON_HELPERS)
    username, _ = start(page, a11y, passkey_server)
    assert page.evaluate("typeof PublicKeyCredential.parseRequestOptionsFromJSON") == "undefined"
    add_passkey(page, a11y, "Older browser")
    sign_out(page)
    a11y(page)
    signed_in_with_the_button(page, a11y)
    expect_signed_in_as(page, username)


def test_after_the_password_the_passkey_is_the_second_step(page, a11y, passkey_server):
    username, _ = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Second step")
    sign_out(page)
    a11y(page)
    with autofill_held(page):
        sign_in(page, a11y, username, path="/auth/login")
    expect(page).to_have_url(re.compile(r"/auth/two-factor$"))
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    press(page, "Use a passkey")
    a11y(page)
    expect(page).to_have_url(re.compile(r"/user$"))
    activity = page.get_by_role("table", name="Recent activity")
    expect(activity).to_contain_text(messages.EVENTS["second_step_passed"])
    expect(activity).to_contain_text(messages.EVENTS["password_passed"])


def test_without_user_verification_there_is_no_passwordless_sign_in(page, a11y, passkey_server):
    _, device = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Unverified")
    sign_out(page)
    a11y(page)
    device.user_verified(False)
    with autofill_held(page):
        page.goto("/auth/login")
        a11y(page)
        # The browser refuses a verification it cannot do...
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(alert_of(page)).to_have_text(messages.PASSKEY_CANCELLED)
    # ...and a script that asks for none is refused by the server.
    answer = page.evaluate(
        """async () => {
            const token = document.querySelector("[data-passkey]").dataset.csrf;
            const post = (path, body) => fetch(path, {method: "POST", body: JSON.stringify(body),
                headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
            const {options} = await (await post("/api/v1/passkeys/sign-in/options", {})).json();
            options.userVerification = "discouraged";
            const credential = await navigator.credentials.get({
                publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
            const sent = await post("/api/v1/passkeys/sign-in", {credential: credential.toJSON()});
            return {status: sent.status, body: await sent.json()};
        }"""
    )
    assert answer["status"] == 401
    assert answer["body"]["error"]["code"] == "passkey_refused"
    page.goto("/user")
    a11y(page)
    expect(page).to_have_url(re.compile(r"/auth/login"))


# A script in the page that runs a ceremony by hand, as an attacker's client might.
CEREMONY = """async ({options: optionsPath, answer: answerPath, swap, twice}) => {
    const token = document.querySelector("input[name=csrf_token]").value;
    const post = (path, body) => fetch(path, {method: "POST", body: JSON.stringify(body),
        headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
    const {options} = await (await post(optionsPath, {})).json();
    if (swap) options.allowCredentials = [{type: "public-key", id: swap}];
    const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
    const body = {credential: credential.toJSON()};
    const answers = [];
    for (const _ of twice ? [1, 2] : [1]) {
        const sent = await post(answerPath, body);
        answers.push([sent.status, sent.status === 204 ? null : (await sent.json()).error.code]);
    }
    return answers;
}"""
REAUTH = {
    "options": "/api/v1/reauthenticate/passkey/options",
    "answer": "/api/v1/reauthenticate/passkey",
}


def test_re_authentication_takes_only_the_signed_in_users_own_passkey(page, a11y, passkey_server):
    """GHSA-f66q-9rf6-8795: bob's passkey, valid in itself, must not confirm alice."""
    _, device = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Bob's")
    [bobs] = device.credentials()
    sign_out(page)
    a11y(page)
    alice = passkey_server.create_user()
    with autofill_held(page):
        sign_in(page, a11y, alice, path="/auth/login")
    add_passkey(page, a11y, "Alice's")
    bobs_id = bobs["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")
    assert page.evaluate(CEREMONY, {**REAUTH, "swap": bobs_id, "twice": False}) == [
        [400, "passkey_refused"]
    ]
    events = passkey_server.db.auth_events
    alice_id = passkey_server.db.users.find_one({"username": alice})["_id"]
    assert events.find_one({"user_id": alice_id, "event": "passkey_failed"})
    # Her own passkey confirms her, once per challenge: the same answer again is refused.
    assert page.evaluate(CEREMONY, {**REAUTH, "swap": None, "twice": True}) == [
        [204, None],
        [400, "challenge_expired"],
    ]


def test_an_expired_challenge_is_refused(page, a11y, passkey_server):
    start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Late")
    # The app runs in this process: its clock stands still, and the answer reaches it 5
    # minutes after the options were made.
    frozen = app_clock.Frozen(app_clock.now())

    def late(route) -> None:
        frozen.advance(minutes=5)
        route.continue_()

    page.route("**/api/v1/reauthenticate/passkey", late)
    app_clock.use(frozen)
    try:
        answers = page.evaluate(CEREMONY, {**REAUTH, "swap": None, "twice": False})
    finally:
        app_clock.use(None)
    assert answers == [[400, "challenge_expired"]]


def test_a_removed_passkey_signs_in_no_more(page, a11y, passkey_server):
    _, device = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "To remove")
    press(page, "Remove To remove")
    a11y(page)
    expect(page.get_by_role("status")).to_have_text(messages.passkey_removed("To remove"))
    assert len(device.credentials()) == 1  # still on the authenticator, gone from the server
    sign_out(page)
    a11y(page)
    with autofill_held(page):
        page.goto("/auth/login")
        a11y(page)
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(alert_of(page)).to_have_text(messages.PASSKEY_REFUSED)
    expect(page).to_have_url(re.compile(r"/auth/login$"))


def test_a_sign_count_going_back_is_refused_and_audited(page, a11y, passkey_server):
    username, device = start(page, a11y, passkey_server)
    add_passkey(page, a11y, "Cloned")
    sign_out(page)
    a11y(page)
    signed_in_with_the_button(page, a11y)
    expect(page).to_have_url(re.compile(r"/user$"))
    sign_out(page)
    a11y(page)
    # A copy of the authenticator that has counted less than the original.
    [held] = device.clear()
    device.put(held, signCount=0)
    with autofill_held(page):
        page.goto("/auth/login")
        a11y(page)
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(alert_of(page)).to_have_text(messages.PASSKEY_REFUSED)
    user = passkey_server.db.users.find_one({"username": username})
    assert passkey_server.db.auth_events.find_one(
        {"user_id": user["_id"], "event": "passkey_sign_count_went_back"}
    )
    stored = passkey_server.db.passkeys.find_one({"user_id": user["_id"]})
    assert stored["sign_count"] >= 2


def test_the_pages_keep_their_content_security_policy_and_autofill_signs_in(
    browser, passkey_server
):
    """The script is the site's own file: no inline script, nothing from elsewhere, no console
    error; and a passkey offered in the username field's autofill signs in by itself."""
    with strict_tab(browser, passkey_server.url) as tab:
        page = tab.page
        username, device = start(page, lambda _: None, passkey_server)
        add_passkey(page, lambda _: None, "Autofill")
        sign_out(page)
        # Nothing clicked, no username typed: the autofill's passkey signs in.
        page.goto("/auth/login")
        page.wait_for_url(re.compile(r"/user$"))
        expect_signed_in_as(page, username)
        assert len(device.credentials()) == 1
    assert tab.problems == [], "\n".join(tab.problems)
    assert tab.only_from(passkey_server.url), tab.requests


@pytest.mark.parametrize("kind", list(VIEWPORTS))
def test_the_passkey_pages_fit_a_laptop_and_a_phone(browse, a11y, passkey_server, kind):
    """Every page with a passkey part, at 1280 and 390 px, with the longest name there is."""
    tab = browse.open(viewport=VIEWPORTS[kind], is_mobile=kind == "phone")
    username, _ = start(tab, a11y, passkey_server)
    add_passkey(tab, a11y, "W" * 64)
    for path, button in (
        ("/account/two-factor", "Add a passkey"),
        ("/auth/reauthenticate", "Confirm with a passkey"),
    ):
        tab.goto(path)
        a11y(tab)
        expect(tab.get_by_role("button", name=button)).to_be_visible()
        assert too_wide(tab) == [], (path, kind, too_wide(tab))
    sign_out(tab)
    a11y(tab)
    with autofill_held(tab):
        tab.goto("/auth/login")
        a11y(tab)
        expect(tab.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
        assert too_wide(tab) == [], f"/auth/login at {kind}"
        sign_in(tab, a11y, username)
    expect(tab.get_by_role("button", name="Use a passkey")).to_be_visible()
    assert too_wide(tab) == [], f"/auth/two-factor at {kind}"
    a11y(tab)


def test_without_javascript_the_pages_work_and_show_no_passkey_button(browser, passkey_server):
    """The passkey parts stay hidden; the password form does all there is. (No script at all,
    axe included.)"""
    username = passkey_server.create_user()
    context = browser.new_context(base_url=passkey_server.url, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/auth/login")
        expect(tab.locator("[data-passkey]")).to_be_hidden()
        sign_in(tab, lambda _: None, username)
        expect(tab).to_have_url(re.compile(r"/user$"))
        expect_signed_in_as(tab, username)
        tab.goto("/account/two-factor")
        expect(tab.get_by_role("heading", name="Passkeys")).to_be_visible()
        expect(tab.locator("[data-passkey]")).to_have_count(1)  # "Add a passkey", hidden
        expect(tab.locator("[data-passkey]")).to_be_hidden()
    finally:
        context.close()
