"""Fixtures for the JSON API: a client that speaks JSON, keeps its CSRF token and checks
every answer against the app's own OpenAPI description."""

from __future__ import annotations

import hashlib
import re

import pytest
import schemathesis

from flaskr.api import openapi
from flaskr.config import DEFAULTS
from flaskr.identity.policy import Policy
from tests.support.web import PASSWORD, session_token

DEFAULT_POLICY = Policy.from_config(DEFAULTS)

PREFIX = "/api/v1"
NEW_PASSWORD = "amber-lantern-42-glacier"

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

# Every operation only a signed-in user may call, with a body it would accept:
# (method, path, JSON body or None).
SIGNED_IN_CALLS = [
    ("get", "/sessions", None),
    ("get", "/activity", None),
    ("delete", "/sessions/" + "0" * 64, None),
    ("post", "/sessions/revoke-others", None),
    ("post", "/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ("post", "/account/delete", {"password": PASSWORD}),
]


def assert_documented_code(operation: dict, response) -> None:
    """An error's `code` is one the document lists for this operation and status."""
    documented = operation["responses"].get(str(response.status_code), {})
    if "x-error-codes" in documented:
        code = response.get_json()["error"]["code"]
        assert code in documented["x-error-codes"], (response.status_code, code)


def documented_path(paths: dict, path: str) -> str:
    """The document's path that `path` is an instance of (`/sessions/{id}`), else `path`."""
    if path in paths:  # `/sessions/revoke-others` is itself, not a session's id
        return path
    for template in paths:
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return template
    return path


class ApiClient:
    """Calls /api/v1 like a single-page app: cookie jar, X-CSRFToken, JSON bodies."""

    def __init__(self, client, schema) -> None:
        self.client = client
        self.schema = schema
        self.token: str | None = None

    def checked(self, response, method: str, path: str):
        """`response`, after checking it against the OpenAPI document (when it documents it)."""
        template = documented_path(self.schema.raw_schema["paths"], PREFIX + path)
        operations = self.schema.raw_schema["paths"].get(template, {})
        if method.lower() in operations:
            documented = operations[method.lower()]["responses"]
            assert str(response.status_code) in documented, (method, path, response.status)
            self.schema[template][method.upper()].validate_response(response)
            assert_documented_code(operations[method.lower()], response)
        return response

    def csrf(self) -> str:
        response = self.checked(self.client.get(PREFIX + "/csrf"), "get", "/csrf")
        self.token = response.get_json()["csrf_token"]
        return self.token

    def get(self, path: str, **kw):
        return self.checked(self.client.get(PREFIX + path, **kw), "get", path)

    def post(self, path: str, json=None, *, csrf: bool = True, headers=None, **kw):
        """POST `json` with the session's CSRF token (fetched once, like a browser app)."""
        return self._unsafe("post", path, json, csrf=csrf, headers=headers, **kw)

    def delete(self, path: str, *, csrf: bool = True, headers=None, **kw):
        """DELETE with the session's CSRF token, as every unsafe method needs."""
        return self._unsafe("delete", path, None, csrf=csrf, headers=headers, **kw)

    def _unsafe(self, method: str, path: str, json, *, csrf: bool, headers, **kw):
        headers = dict(headers or {})
        if csrf:
            headers.setdefault("X-CSRFToken", self.token or self.csrf())
        if json is not None:
            kw["json"] = json
        response = getattr(self.client, method)(PREFIX + path, headers=headers, **kw)
        return self.checked(response, method, path)

    def call(self, method: str, path: str, body=None):
        """`method` on `path`, with `body` as JSON when there is one."""
        return getattr(self, method)(path, **({"json": body} if body is not None else {}))

    def register(self, username: str = "alice", password: str = PASSWORD, **kw):
        return self.post("/register", {"username": username, "password": password}, **kw)

    def login(self, username: str = "alice", password: str = PASSWORD, **extra):
        response = self.post("/login", {"username": username, "password": password, **extra})
        if response.status_code == 200:
            # Sign-in cleared the session and its token; the answer carries the new one.
            self.token = response.get_json()["csrf_token"]
        return response

    def logout(self, **kw):
        return self.post("/logout", **kw)

    def me(self):
        return self.get("/me")


@pytest.fixture(scope="session")
def openapi_schema():
    """The app's OpenAPI document, loaded (and so checked) by schemathesis."""
    return schemathesis.openapi.from_dict(openapi.spec(DEFAULT_POLICY))


@pytest.fixture
def api(client, openapi_schema):
    return ApiClient(client, openapi_schema)


@pytest.fixture
def db_calls(monkeypatch):
    """Counts every use of the database client, to prove that bad input reaches none."""
    from flaskr import db

    calls: list[str] = []
    real = db.Mongo.client

    def counted(self):
        calls.append("client")
        return real.fget(self)

    monkeypatch.setattr(db.Mongo, "client", property(counted))
    return calls


@pytest.fixture
def device(app, openapi_schema):
    """`device(agent=, ip=, remember=, username=)`: a new API client, signed in."""

    def sign_in(agent=FIREFOX, ip="198.51.100.7", remember=False, username="alice"):
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
        api = ApiClient(client, openapi_schema)
        response = api.login(username, remember=remember)
        assert response.status_code == 200, response.get_json()
        return api

    return sign_in


def session_id(app, api: ApiClient) -> str:
    """The id the API gives `api`'s own session: the SHA-256 of its cookie's token."""
    return hashlib.sha256(session_token(app, api.client).encode()).hexdigest()


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def signed_in(api: ApiClient) -> bool:
    return api.me().status_code == 200
