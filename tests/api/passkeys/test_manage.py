"""Passkeys over the API, every answer checked against the OpenAPI document: listing, adding,
renaming and removing them, re-authenticating with one, and the contract of every passkey
operation under schemathesis."""

from __future__ import annotations

import pytest
from bson import ObjectId

from flaskr import messages
from flaskr.identity import passkeys
from tests.support.authenticator import SoftAuthenticator
from tests.support.passkeys import ORIGIN

from ..conftest import PREFIX, ApiClient
from ..test_schemathesis import CHECKS, ONE_APP_PER_OPERATION, schema
from .helpers import add, error_code, fresh, password_step, sign_in


@pytest.mark.db
def test_add_list_sign_out_and_sign_in_without_a_password(app, openapi_schema, alice, device):
    assert alice.get("/passkeys").get_json() == {"passkeys": []}
    added = add(alice, device)
    assert added.status_code == 201
    passkey = added.get_json()["passkey"]
    assert passkey["name"] == "Laptop"
    assert passkey["last_used_at"] is None
    assert (passkey["synced"], passkey["device_type"]) == (False, "single_device")
    assert alice.get("/passkeys").get_json() == {"passkeys": [passkey]}

    other = fresh(app, openapi_schema)
    signed_in = sign_in(other, device)
    assert signed_in.status_code == 200
    assert signed_in.get_json()["user"]["username"] == "alice"
    assert other.me().status_code == 200
    assert other.get("/passkeys").get_json()["passkeys"][0]["last_used_at"] is not None


def test_options_are_webauthn_json_for_the_configured_site(alice):
    created = alice.post("/passkeys/register/options").get_json()["options"]
    assert created["rp"]["id"] == "localhost"
    assert created["user"]["name"] == "alice"
    assert created["authenticatorSelection"]["residentKey"] == "required"
    requested = alice.post("/passkeys/sign-in/options").get_json()["options"]
    assert (requested["rpId"], requested["userVerification"]) == ("localhost", "required")


def test_a_forged_host_header_does_not_change_the_relying_party(make_app):
    """The RP ID and origin come from PUBLIC_URL, never from the request."""
    # Without CSRF: the session cookie belongs to localhost, not to the forged host.
    client = make_app(PUBLIC_URL=ORIGIN, WTF_CSRF_ENABLED=False).test_client()
    answer = client.post("/api/v1/passkeys/sign-in/options", base_url="http://evil.example")
    assert answer.get_json()["options"]["rpId"] == "localhost"


def test_adding_needs_a_recent_password_or_passkey(alice, device, clock):
    assert add(alice, device).status_code == 201
    clock.advance(minutes=10)
    stale = alice.post("/passkeys/register/options")
    assert (stale.status_code, error_code(stale)) == (403, "reauthentication_required")
    assert alice.post("/passkeys/register", {"credential": {}}).status_code == 403
    options = alice.post("/reauthenticate/passkey/options").get_json()["options"]
    confirmed = alice.post("/reauthenticate/passkey", {"credential": device.get(options)})
    assert confirmed.status_code == 204
    assert add(alice, SoftAuthenticator(ORIGIN)).status_code == 201


def test_re_authentication_refuses_another_accounts_passkey(app, openapi_schema, alice, clock):
    bob = fresh(app, openapi_schema)
    bob.register("bob")
    bob.login("bob")
    bobs = SoftAuthenticator(ORIGIN)
    assert add(bob, bobs).status_code == 201
    assert add(alice, SoftAuthenticator(ORIGIN)).status_code == 201
    clock.advance(minutes=30)
    options = alice.post("/reauthenticate/passkey/options").get_json()["options"]
    # bob's valid passkey, over alice's challenge, sent in alice's session.
    answer = alice.post("/reauthenticate/passkey", {"credential": bobs.get(options)})
    assert (answer.status_code, error_code(answer)) == (400, "passkey_refused")
    assert alice.post("/passkeys/register/options").status_code == 403


def test_re_authentication_with_no_passkeys_is_409(alice):
    answer = alice.post("/reauthenticate/passkey/options")
    assert (answer.status_code, error_code(answer)) == (409, "no_passkeys")


def test_rename_and_remove(app, openapi_schema, alice, device, clock):
    pid = add(alice, device).get_json()["passkey"]["id"]
    renamed = alice.post("/passkeys/rename", {"id": pid, "name": "Phone"})
    assert renamed.get_json()["passkey"]["name"] == "Phone"
    for bad in ["", "x" * 65]:
        refused = alice.post("/passkeys/rename", {"id": pid, "name": bad})
        assert refused.status_code == 422
        assert "name" in refused.get_json()["error"]["fields"]
    for unknown in ["nope", str(ObjectId())]:
        assert alice.post("/passkeys/rename", {"id": unknown, "name": "x"}).status_code == 404
        assert error_code(alice.post("/passkeys/remove", {"id": unknown})) == "passkey_not_found"
    clock.advance(minutes=10)
    assert alice.post("/passkeys/remove", {"id": pid}).status_code == 403
    clock.advance(minutes=-10)
    assert alice.post("/passkeys/remove", {"id": pid}).status_code == 204
    assert alice.post("/passkeys/remove", {"id": pid}).status_code == 404
    # Removed: it signs in no more.
    refused = sign_in(fresh(app, openapi_schema), device)
    assert (refused.status_code, error_code(refused)) == (401, "passkey_refused")


def test_another_accounts_passkey_cannot_be_renamed_or_removed(app, openapi_schema, alice, device):
    pid = add(alice, device).get_json()["passkey"]["id"]
    bob = fresh(app, openapi_schema)
    bob.register("bob")
    bob.login("bob")
    assert bob.post("/passkeys/rename", {"id": pid, "name": "mine"}).status_code == 404
    assert bob.post("/passkeys/remove", {"id": pid}).status_code == 404
    assert alice.get("/passkeys").get_json()["passkeys"][0]["name"] == "Laptop"


def test_one_credential_twice_is_409(alice, device):
    assert add(alice, device).status_code == 201
    options = alice.post("/passkeys/register/options").get_json()["options"]
    # The authenticator offers the same credential again (excludeCredentials ignored).
    again = device.create(options, same_as=next(iter(device.keys)))
    answer = alice.post("/passkeys/register", {"credential": again})
    assert (answer.status_code, error_code(answer)) == (409, "passkey_exists")


def test_an_account_has_at_most_twenty(alice, monkeypatch):
    monkeypatch.setattr(passkeys, "MAX_PER_USER", 1)
    assert add(alice, SoftAuthenticator(ORIGIN)).status_code == 201
    refused = add(alice, SoftAuthenticator(ORIGIN))
    assert (refused.status_code, error_code(refused)) == (409, "too_many_passkeys")
    assert refused.get_json()["error"]["message"] == messages.too_many_passkeys(1)


def test_a_registration_that_does_not_prove_itself_is_400(alice, device, clock):
    options = alice.post("/passkeys/register/options").get_json()["options"]
    forged = device.create(options, origin="http://evil.example")
    refused = alice.post("/passkeys/register", {"credential": forged})
    assert (refused.status_code, error_code(refused)) == (400, "passkey_refused")
    again = alice.post("/passkeys/register", {"credential": device.create(options)})
    assert (again.status_code, error_code(again)) == (400, "challenge_expired")
    assert alice.get("/passkeys").get_json() == {"passkeys": []}


@pytest.mark.parametrize("credential", [[], "x", 1, None, {"$ne": None}])
def test_only_an_object_is_a_credential(alice, credential):
    answer = alice.post("/passkeys/sign-in", {"credential": credential})
    assert answer.status_code in (401, 422)
    assert alice.post("/passkeys/register", {"credential": credential}).status_code in (400, 422)


def test_without_public_url_there_are_no_passkeys(make_app, openapi_schema):
    plain = ApiClient(make_app().test_client(), openapi_schema)
    plain.register()
    plain.login()
    for path in (
        "/passkeys/sign-in/options",
        "/passkeys/register/options",
        "/reauthenticate/passkey/options",
    ):
        answer = plain.post(path)
        assert (answer.status_code, error_code(answer)) == (404, "passkeys_unavailable")
    assert plain.get("/passkeys").get_json() == {"passkeys": []}


def test_required_two_factor_is_met_by_a_passkey(make_app, openapi_schema):
    app = make_app(PUBLIC_URL=ORIGIN, TWO_FACTOR_REQUIRED=True)
    api = ApiClient(app.test_client(), openapi_schema)
    api.register()
    api.login()
    # The gate's 403 is documented once for the whole API, not per operation: sent unchecked.
    gated = api.client.post(PREFIX + "/register", json={}, headers={"X-CSRFToken": api.token})
    assert (gated.status_code, error_code(gated)) == (403, "two_factor_required")
    # Adding a passkey is open to an account that must set up a second factor.
    device = SoftAuthenticator(ORIGIN)
    assert add(api, device).status_code == 201
    assert api.post("/register", {}).status_code == 422
    other = ApiClient(app.test_client(), openapi_schema)
    password_step(other)
    options = other.post("/login/second-factor/passkey/options").get_json()["options"]
    assert (
        other.post("/login/second-factor/passkey", {"credential": device.get(options)}).status_code
        == 200
    )
    assert other.me().status_code == 200


passkey_operations = schema.include(path_regex="passkey")


@pytest.fixture
def with_a_passkey(alice, device):
    """alice signed in, with a passkey and a live challenge of each kind in her session."""
    assert add(alice, device).status_code == 201
    for path in ("/passkeys/sign-in/options", "/reauthenticate/passkey/options"):
        assert alice.post(path).status_code == 200
    return alice


@passkey_operations.parametrize()
@ONE_APP_PER_OPERATION
def test_passkey_operations_keep_their_contract(case, app, with_a_passkey):
    """Generated bodies, credentials included, against a configured app: never a 5xx, every
    answer as documented (no database is read for a body the models refuse)."""
    case.call_and_validate(
        app=app,
        session=with_a_passkey.client,
        headers={"X-CSRFToken": with_a_passkey.token},
        checks=CHECKS,
    )
