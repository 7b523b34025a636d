"""The relying party comes from PUBLIC_URL and WEBAUTHN_RP_ID only, never from a request; a
setting browsers would refuse turns passkeys off, a contradiction stops the start."""

from __future__ import annotations

import pytest

from flaskr import create_app
from flaskr.config import ConfigError
from flaskr.identity.relying_party import BadRelyingParty, RelyingParty


def rp(**config):
    return RelyingParty.from_config({"WEBAUTHN_RP_NAME": "flaskr", **config})


@pytest.mark.parametrize(
    ("url", "rp_id", "origin"),
    [
        ("https://auth.example.com", "auth.example.com", "https://auth.example.com"),
        ("https://Auth.Example.com/flaskr/", "auth.example.com", "https://auth.example.com"),
        ("https://auth.example.com:443", "auth.example.com", "https://auth.example.com"),
        ("https://auth.example.com:8443", "auth.example.com", "https://auth.example.com:8443"),
        ("http://localhost:5000", "localhost", "http://localhost:5000"),
        ("http://app.localhost", "app.localhost", "http://app.localhost"),
    ],
)
def test_the_id_and_origin_are_public_urls(url, rp_id, origin):
    assert rp(PUBLIC_URL=url) == RelyingParty(id=rp_id, origin=origin, name="flaskr")


def test_the_rp_id_may_be_a_domain_above_the_host():
    found = rp(PUBLIC_URL="https://auth.example.com", WEBAUTHN_RP_ID="Example.com")
    assert (found.id, found.origin) == ("example.com", "https://auth.example.com")


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "http://127.0.0.1:5000",  # browsers refuse IP addresses as RP IDs
        "https://[::1]:8443",
        "http://auth.example.com",  # not a secure context: browsers offer no passkeys
    ],
)
def test_without_a_name_browsers_take_there_are_no_passkeys(url):
    assert rp(PUBLIC_URL=url) is None


@pytest.mark.parametrize(
    "config",
    [
        {"PUBLIC_URL": "ftp://auth.example.com"},
        {"PUBLIC_URL": "auth.example.com"},
        {"PUBLIC_URL": "https://auth.example.com:99999"},
        {"PUBLIC_URL": "https://auth.example.com", "WEBAUTHN_RP_ID": "evil.example"},
        {"PUBLIC_URL": "https://auth.example.com", "WEBAUTHN_RP_ID": "xample.com"},
    ],
)
def test_contradicting_settings_are_refused(config):
    with pytest.raises(BadRelyingParty):
        rp(**config)


def test_the_app_does_not_start_with_them(instance_path):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret-key",
        "MONGO_URI": "mongomock://localhost/x",
        "PUBLIC_URL": "https://auth.example.com",
        "WEBAUTHN_RP_ID": "evil.example",
    }
    with pytest.raises(ConfigError, match=r"WEBAUTHN_RP_ID 'evil\.example' is not"):
        create_app(config)
