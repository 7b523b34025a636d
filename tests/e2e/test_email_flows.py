"""E-mail in a real browser: forgot, read the message the SMTP server received, reset, sign
in with the new password; and confirming a new address from its message."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pymongo
import pytest
from flask import Flask

from flaskr import create_app
from tests.mail.conftest import SmtpServer
from tests.support.database import with_database
from tests.support.email import NEW_PASSWORD, add_user
from tests.support.served import served
from tests.support.web import PASSWORD

from .browser import expect, skip_without_tools
from .conftest import Browser
from .test_flows import press, sign_in

skip_without_tools()
pytestmark = pytest.mark.realdb


@dataclass
class MailSite:
    """The app on a real socket, its PUBLIC_URL its own address, its mail going to `smtp`."""

    app: Flask
    url: str
    smtp: SmtpServer

    def deliver(self) -> None:
        """`flask mail send --once`."""
        result = self.app.test_cli_runner().invoke(args=["mail", "send", "--once"])
        assert result.exit_code == 0, result.output

    def link_to(self, address: str) -> str:
        """The link in the last message the SMTP server received for `address`."""
        self.deliver()
        mail = [m for m in self.smtp.messages if m["To"] == address][-1]
        text = mail.get_body(("plain",)).get_content()
        [link] = re.findall(re.escape(self.url) + r"/auth/(?:reset|confirm)/[\w-]+", text)
        return link


@pytest.fixture
def site(real_server, tmp_path, monkeypatch) -> Iterator[MailSite]:
    smtp = SmtpServer().start()
    name = f"flaskr_e2e_mail_{uuid.uuid4().hex[:10]}"
    uri = with_database(real_server, name)
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "SECRET_KEY": "e2e-only-secret-key",
            "MONGO_URI": uri,
            "BCRYPT_ROUNDS": 4,
            **smtp.config(MAIL_FROM="flaskr <noreply@example.com>"),
        }
    )
    try:
        with served(app) as url:
            # Links in mail point at this server, as `make run` makes them point at its own.
            app.config["PUBLIC_URL"] = url
            yield MailSite(app, url, smtp)
    finally:
        app.extensions["flaskr.mongo"].close()
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(name)
        smtp.stop()


@pytest.fixture
def tabs(browser, site, request) -> Iterator[Browser]:
    opened = Browser(browser, site.url)
    yield opened
    opened.close(check=not getattr(request.node, "e2e_call_failed", False))


def test_forgot_reset_and_sign_in_with_the_new_password(site, tabs):
    add_user(site.app, "alice", "alice@example.com")
    page: Any = tabs.open()
    page.goto("/auth/login")
    tabs.check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Forgot your password?").click()
    tabs.check(page)
    page.get_by_label("E-mail address").fill("Alice@Example.com")
    press(page, "Send me a link")
    expect(page.get_by_role("status")).to_have_text(
        "If an account has that address, we have sent a link to it."
    )
    tabs.check(page)

    page.goto(site.link_to("alice@example.com"))
    tabs.check(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    press(page, "Set the new password")
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("status")).to_contain_text("Please sign in with your new password.")
    tabs.check(page)

    sign_in(page, tabs.check, "alice@example.com", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Your login details are incorrect")
    sign_in(page, tabs.check, "alice@example.com", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/user$"))


def test_confirm_a_new_address(site, tabs):
    add_user(site.app, "alice", None)
    page: Any = tabs.open()
    sign_in(page, tabs.check, "alice", PASSWORD, path="/auth/login")
    page.goto("/account")
    tabs.check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Add, change or remove your e-mail address").click()
    tabs.check(page)
    page.get_by_label("New e-mail address").fill("alice@example.com")
    page.get_by_label("Current password").fill(PASSWORD)
    press(page, "Save")
    expect(page.get_by_role("status")).to_contain_text("We have sent a confirmation link")
    tabs.check(page)

    page.goto(site.link_to("alice@example.com"))
    tabs.check(page)
    press(page, "Confirm this address")
    expect(page).to_have_url(re.compile(r"/account/email$"))
    expect(page.get_by_role("status")).to_have_text("Your e-mail address is confirmed.")
    expect(page.get_by_text("(confirmed)")).to_be_visible()
    tabs.check(page)
