"""The users list: 50 a page by name, found by the start of a name through the index, paged
by the last name seen (never a skip), with each account's status, factors, roles, sessions."""

from __future__ import annotations

import re

import pytest

from flaskr.identity import accounts, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.admin.conftest import act, grant, user_id
from tests.support.users import add_user
from tests.support.web import page_text, signed_in_client

ROW_NAME = re.compile(r'<th scope="row"><a href="/admin/users/[0-9a-f]{24}">([^<]+)</a></th>')


def names(response) -> list[str]:
    assert response.status_code == 200
    return ROW_NAME.findall(response.get_data(as_text=True))


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def many(admin_app):
    """120 more users, user000 to user119, made straight in the store."""
    for i in range(120):
        add_user(admin_app, f"user{i:03d}")
    return admin_app


@pytest.mark.db
def in_key_order(usernames: list[str]) -> list[str]:
    """The order the list keeps: by the unique key (the look-alike skeleton, where a digit may
    read as a letter), which is what its index serves without a sort in memory."""
    return sorted(usernames, key=users.username_key)


def test_fifty_a_page_forwards_and_back(many, admin):
    everyone = in_key_order(["alice", "bob"] + [f"user{i:03d}" for i in range(120)])
    first = admin.get("/admin/users")
    assert names(first) == everyone[:50]
    assert link(first, "prev") is None
    second = admin.get(link(first, "next"))
    assert names(second) == everyone[50:100]
    third = admin.get(link(second, "next"))
    assert names(third) == everyone[100:]
    assert link(third, "next") is None
    back = admin.get(link(third, "prev"))
    assert names(back) == names(second)
    assert names(admin.get(link(back, "prev"))) == names(first)
    assert link(admin.get(link(back, "prev")), "prev") is None


@pytest.mark.db
def test_search_by_the_start_of_a_name_in_any_case(many, admin):
    assert names(admin.get("/admin/users?q=USER11")) == in_key_order(
        [f"user{i}" for i in range(110, 120)]
    )
    assert names(admin.get("/admin/users?q=b")) == ["bob"]
    # Fullwidth letters fold like sign-in folds them.
    assert names(admin.get("/admin/users?q=\uff41\uff4c")) == ["alice"]
    nothing = admin.get("/admin/users?q=zz")
    assert names(nothing) == []
    assert "No user's name starts with that." in page_text(nothing)
    paged = admin.get("/admin/users?q=user")
    assert len(names(paged)) == 50
    users_only = in_key_order([f"user{i:03d}" for i in range(120)])
    assert names(paged) == users_only[:50]
    assert names(admin.get(link(paged, "next"))) == users_only[50:100]


@pytest.mark.db
@pytest.mark.parametrize("q", [".*", "^a", "$ne", "a|b", "[", "\\"])
def test_search_text_is_text_not_a_pattern(many, admin, q):
    assert names(admin.get("/admin/users", query_string={"q": q})) == []


@pytest.mark.db
def test_bad_search_input_is_a_400_with_a_reason(admin):
    too_long = admin.get("/admin/users", query_string={"q": "a" * 255})
    assert too_long.status_code == 400
    assert "Field cannot be longer than 254 characters." in page_text(too_long)
    repeated = admin.get("/admin/users?q=a&q=b")
    assert repeated.status_code == 400
    assert "Send each field once." in page_text(repeated)
    # A bound that is no one's name is just a place in the order.
    assert names(admin.get("/admin/users?after=zzz")) == []


def give_address(app, name: str, address: str, confirmed: bool = True) -> None:
    with app.app_context():
        user_id = users.find_user(name)["_id"]
        users.set_pending_email(user_id, address)
        if confirmed:
            users.confirm_email(user_id, address)


@pytest.mark.db
def test_each_row_says_address_status_factors_roles_created_last_sign_in_sessions(admin_app, admin):
    add_user(admin_app, "carol")
    add_user(admin_app, "dave")
    grant(admin_app, "carol", "editor")
    give_address(admin_app, "bob", "Bob@Example.org")
    give_address(admin_app, "dave", "dave@example.net", confirmed=False)
    signed_in_client(admin_app, "bob")
    signed_in_client(admin_app, "bob", ip="192.0.2.9")
    with admin_app.test_request_context():
        accounts.disable_account(users.find_user("carol"), actor=CLI, settings=settings())
    html = admin.get("/admin/users").get_data(as_text=True)
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<tr>\s*<th scope="row"><a [^>]+>(\w+)</a>.*?</tr>', html, re.S)
    }
    cells = {
        name: [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for name, row in rows.items()
    }
    assert cells["alice"][:4] == ["none", "active", "no", "admin"]
    assert cells["alice"][6] == "1"
    assert cells["bob"][:4] == ["Bob@Example.org", "active", "no", "none"]
    assert cells["bob"][5] != "never" and cells["bob"][6] == "2"
    assert cells["carol"][:4] == ["none", "disabled", "no", "editor"]
    assert cells["carol"][5:] == ["never", "0"]
    assert cells["dave"][:2] == ["dave@example.net", "unconfirmed address"]
    assert act(admin, f"/admin/users/{user_id(admin_app, 'carol')}/enable").status_code == 302


@pytest.mark.db
def test_search_by_the_start_of_a_confirmed_address(many, admin):
    give_address(many, "user007", "Zed@Example.org")
    give_address(many, "user003", "zara@example.org")
    give_address(many, "bob", "bob@example.org")
    give_address(many, "user010", "zoe@example.org", confirmed=False)
    assert names(admin.get("/admin/users?by=address&q=Z")) == ["user003", "user007"]
    assert names(admin.get("/admin/users?by=address&q=zed@EXAMPLE")) == ["user007"]
    assert names(admin.get("/admin/users?by=address")) == ["bob", "user003", "user007"]
    # Addresses awaiting confirmation are not searched; usernames are not addresses.
    assert names(admin.get("/admin/users?by=address&q=zoe")) == []
    assert names(admin.get("/admin/users?by=address&q=user")) == []
    assert admin.get("/admin/users?by=phone").status_code == 400


@pytest.mark.db
def test_pages_of_addresses(many, admin):
    for i in range(60):
        give_address(many, f"user{i:03d}", f"person{119 - i:03d}@example.org")
    first = admin.get("/admin/users?by=address&q=person")
    assert names(first) == [f"user{i:03d}" for i in range(59, 9, -1)]
    second = admin.get(link(first, "next"))
    assert names(second) == [f"user{i:03d}" for i in range(9, -1, -1)]
    assert names(admin.get(link(second, "prev"))) == names(first)
