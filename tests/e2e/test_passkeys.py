"""Passkeys in a real browser: Chromium with a virtual authenticator (Chrome DevTools Protocol:
ctap2, internal transport, resident keys, user verification) on http://localhost:PORT, the
app's PUBLIC_URL (WebAuthn refuses IP-address hosts). Add one, sign out, sign in with it and no
username (button and autofill), use it as the second step; and the refusals: no user
verification, another account's passkey at re-authentication, a replayed or expired challenge,
a removed passkey, a sign count going back. The pages themselves: test_passkey_pages.py."""

from __future__ import annotations

import re

import pytest

from flaskr import messages
from flaskr.identity import clock as app_clock

from .browser import expect, skip_without_tools
from .passkey_helpers import (
    add_passkey,
    alert_of,
    autofill_held,
    expect_signed_in_as,
    signed_in_with_the_button,
    start,
)
from .test_flows import press, sign_in, sign_out

skip_without_tools()
pytestmark = pytest.mark.realdb


@pytest.fixture
def site(passkey_server):
    """The tabs of this module browse the app at http://localhost:PORT."""
    return passkey_server


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
    expect(activity).to_contain_text(str(messages.EVENTS["passkey_sign_in"]))
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
    expect(activity).to_contain_text(str(messages.EVENTS["second_step_passed"]))
    expect(activity).to_contain_text(str(messages.EVENTS["password_passed"]))


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
        expect(alert_of(page)).to_have_text(str(messages.PASSKEY_CANCELLED))
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
        expect(alert_of(page)).to_have_text(str(messages.PASSKEY_REFUSED))
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
        expect(alert_of(page)).to_have_text(str(messages.PASSKEY_REFUSED))
    user = passkey_server.db.users.find_one({"username": username})
    assert passkey_server.db.auth_events.find_one(
        {"user_id": user["_id"], "event": "passkey_sign_count_went_back"}
    )
    stored = passkey_server.db.passkeys.find_one({"user_id": user["_id"]})
    assert stored["sign_count"] >= 2
