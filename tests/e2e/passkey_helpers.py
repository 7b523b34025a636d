"""What the passkey browser tests share: a virtual authenticator in a tab, the sign-in page's
autofill held back, and the steps every test takes (sign in, add a passkey, read the alert)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flaskr import messages

from .browser import expect
from .test_flows import press, sign_in


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
