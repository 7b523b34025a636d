"""`roles_required`: the README's example blueprint, run as written, and an API twin."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, jsonify

from flaskr.identity import accounts, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from flaskr.web.roles import has_roles, roles_required
from tests.support.live import ROOT
from tests.support.users import add_user
from tests.support.web import page_text, signed_in_client


def readme_example() -> Blueprint:
    """The first python block of the README's "Roles for your own pages", executed."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Roles for your own pages") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the roles section"
    code = match.group(1)
    assert len(code.strip().splitlines()) <= 11  # about ten lines, as the issue asks
    namespace: dict = {"__name__": __name__}  # a module Flask can find a root path for
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    return namespace["bp"]


def api_twin() -> Blueprint:
    bp = Blueprint("team_api", __name__, url_prefix="/api/team")

    @bp.get("/reports")
    @roles_required("editor", "auditor")
    def reports():
        return jsonify(reports=[])

    return bp


@pytest.fixture
def team_app(make_app):
    app = make_app()
    app.register_blueprint(readme_example())
    app.register_blueprint(api_twin())
    add_user(app)
    return app


def grant(app, role, name="alice"):
    with app.test_request_context():
        accounts.grant_role(users.find_user(name), role, actor=CLI, settings=settings())


def revoke(app, role, name="alice"):
    with app.test_request_context():
        accounts.revoke_role(users.find_user(name), role, actor=CLI, settings=settings())


@pytest.mark.db
def test_signed_out_goes_to_the_sign_in_page_and_the_api_answers_401(team_app):
    client = team_app.test_client()
    page = client.get("/reports")
    assert page.status_code == 302
    assert page.headers["Location"] == "/auth/login?next=%2Freports"
    api = client.get("/api/team/reports")
    assert api.status_code == 401
    assert api.json["error"]["code"] == "not_authenticated"


@pytest.mark.db
def test_without_the_role_a_403_page_and_403_forbidden(team_app):
    client = signed_in_client(team_app)
    page = client.get("/reports")
    assert page.status_code == 403
    assert "text/html" in page.content_type
    assert "Your account does not have the role this page needs." in page_text(page)
    api = client.get("/api/team/reports")
    assert api.status_code == 403
    assert api.json["error"] == {
        "code": "forbidden",
        "message": "Your account does not have the role this page needs.",
    }


@pytest.mark.db
def test_with_the_role_the_view_answers_and_a_revocation_counts_at_once(team_app):
    client = signed_in_client(team_app)
    grant(team_app, "editor")
    page = client.get("/reports")
    assert (page.status_code, page_text(page)) == (200, "<h1>Reports</h1>")
    # Every role named is needed: editor alone is not enough for the API twin.
    assert client.get("/api/team/reports").status_code == 403
    grant(team_app, "auditor")
    assert client.get("/api/team/reports").json == {"reports": []}
    revoke(team_app, "editor")
    assert client.get("/reports").status_code == 403


@pytest.mark.db
def test_an_admin_is_not_an_editor(team_app):
    client = signed_in_client(team_app)
    grant(team_app, "admin")
    assert client.get("/reports").status_code == 403


def test_roles_required_names_a_role():
    with pytest.raises(ValueError):
        roles_required()


def test_has_roles_is_false_when_signed_out(app):
    with app.test_request_context():
        assert has_roles("editor") is False
