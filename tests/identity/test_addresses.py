"""E-mail addresses: valid ones are kept as typed and found by one key whatever their case."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import addresses


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@Example.COM", "alice@example.com"),
        ("  ALICE@EXAMPLE.COM ", "alice@example.com"),
        ("Ünïcode@Bücher.DE", "ünïcode@bücher.de"),
        ("Straße@example.com", "strasse@example.com"),
    ],
)
def test_one_key_per_address_whatever_its_case(typed, key):
    assert addresses.key(typed) == key
    assert addresses.checked(typed) == typed.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "alice\n@example.com",
        "a@localhost",
        "a@[127.0.0.1]",
        "x" * 250 + "@example.com",
    ],
)
def test_what_is_not_an_address_is_refused_with_one_sentence(typed):
    with pytest.raises(addresses.BadAddress) as e:
        addresses.key(typed)
    assert str(e.value) == messages.EMAIL_INVALID
    assert addresses.key_or_none(typed) is None


def test_no_dns_look_up(monkeypatch):
    import dns.resolver

    def refuse(*args, **kwargs):
        raise AssertionError("looked up DNS")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    assert addresses.key("someone@no-such-domain-for-flaskr.example") is not None
