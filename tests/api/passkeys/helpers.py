"""The passkey ceremonies as an API client runs them, and what the tests read off answers."""

from __future__ import annotations

from tests.support.authenticator import SoftAuthenticator
from tests.support.web import PASSWORD

from ..conftest import ApiClient


def add(api: ApiClient, device: SoftAuthenticator, name: str | None = "Laptop"):
    options = api.post("/passkeys/register/options")
    assert options.status_code == 200, options.get_json()
    body = {"credential": device.create(options.get_json()["options"])}
    if name is not None:
        body["name"] = name
    return api.post("/passkeys/register", body)


def sign_in(api: ApiClient, device: SoftAuthenticator, **kw):
    options = api.post("/passkeys/sign-in/options").get_json()["options"]
    response = api.post("/passkeys/sign-in", {"credential": device.get(options, **kw)})
    if response.status_code == 200:
        api.token = response.get_json()["csrf_token"]
    return response


def password_step(api: ApiClient):
    """POST /login with alice's password: for her account, the second step's methods."""
    return api.post("/login", {"username": "alice", "password": PASSWORD})


def fresh(app, openapi_schema) -> ApiClient:
    return ApiClient(app.test_client(), openapi_schema)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]
