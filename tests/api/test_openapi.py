"""The OpenAPI document is valid 3.1, describes exactly the routes there are, and comes from
the models that validate; the page for people renders it without anything from elsewhere."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from flaskr.api import models, openapi
from flaskr.api.views import code_spans
from flaskr.config import DEFAULTS
from flaskr.identity.policy import Policy

DEFAULT_POLICY = Policy.from_config(DEFAULTS)

PREFIX = "/api/v1"


@pytest.fixture
def document(client):
    response = client.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_it_is_a_valid_openapi_3_1_document(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_it_documents_exactly_the_routes_of_the_api(app, document):
    routed = {
        (re.sub(r"<(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == routed


@pytest.mark.parametrize("model", models.REQUEST_MODELS, ids=lambda m: m.__name__)
def test_request_bodies_are_the_validating_models(app, document, model):
    schema = document["components"]["schemas"][model.__name__]
    expected = model.model_json_schema(ref_template=openapi.REF)
    # A new password's rules are described as this app's policy says them.
    policy = Policy.from_config(app.config)
    if model is models.RegisterIn:
        expected["properties"]["username"]["description"] = policy.username_doc
        expected["properties"]["password"]["description"] = policy.password_doc
    if model is models.PasswordChangeIn:
        expected["properties"]["new_password"]["description"] = policy.password_doc
    assert schema == expected
    # Strict: exactly these keys, no others.
    assert schema["additionalProperties"] is False


def test_every_post_and_delete_documents_csrf_and_every_body_its_errors(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if method in {"post", "delete"}:
                assert op["security"] == [{"csrfToken": [], "session": []}], path
                assert "400" in op["responses"], path
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= set(op["responses"]), path


def test_login_documents_the_new_csrf_token_and_retry_after(document):
    login = document["paths"][PREFIX + "/login"]["post"]
    assert "csrf_token" in login["description"]
    assert "Retry-After" in login["responses"]["429"]["headers"]
    assert "invalid_credentials" in login["responses"]["401"]["description"]
    signed_in = document["components"]["schemas"]["SignedIn"]
    assert set(signed_in["required"]) == {"user", "csrf_token"}


def test_the_document_cannot_be_changed_by_its_readers():
    openapi.spec(DEFAULT_POLICY)["paths"].clear()
    assert openapi.spec(DEFAULT_POLICY)["paths"]


def test_the_docs_page_shows_every_operation_from_this_site_only(client, document):
    response = client.get(PREFIX + "/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, ops in document["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in page
    # No script but the site's own (the layout's flaskr.js), and none inline.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/flaskr.js" defer>']
    # Every stylesheet, image and link is on this site (no CDN).
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#")), url
    assert "X-CSRFToken" in page
    assert "username_taken" in page


def test_backticks_become_code_and_everything_else_is_escaped():
    assert code_spans("send `X-<b>` & <i>") == "send <code>X-&lt;b&gt;</code> &amp; &lt;i&gt;"


def test_operation_ids_are_unique_names(document):
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z_]+", i) for i in ids), ids


def test_me_says_which_sign_in_each_time_is(document):
    me = document["paths"][PREFIX + "/me"]["get"]["description"]
    assert "previous_login_at" in me and "Previous sign-in" in me
    user = document["components"]["schemas"]["User"]["properties"]
    assert user["last_login_at"]["deprecated"] is True
    assert "signed_in_at" in user["last_login_at"]["description"]
    assert "Previous sign-in" in user["previous_login_at"]["description"]


def test_a_session_id_is_documented_as_the_tokens_hash(client, document):
    end = document["paths"][PREFIX + "/sessions/{id}"]["delete"]
    (param,) = end["parameters"]
    assert (param["name"], param["in"], param["required"]) == ("id", "path", True)
    assert (
        "SHA-256" in document["components"]["schemas"]["Session"]["properties"]["id"]["description"]
    )
    assert end["responses"]["404"]["x-error-codes"] == ["session_not_found"]
    page = client.get(PREFIX + "/docs").get_data(as_text=True)
    assert "In the path, <code>{id}</code>" in page
