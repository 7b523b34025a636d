"""The admin area's search forms (read from the query string, no CSRF) give WTForms' own
messages in the page's language, like every Flask-WTF form."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from flaskr.admin.forms import SearchForm, TrailForm


@pytest.mark.parametrize(
    ("lang", "error"),
    [
        ("en", "Field cannot be longer than 254 characters."),
        ("nl", "Veld mag niet langer zijn dan 254 karakters."),
        ("de", "Feld kann nicht länger als 254 Zeichen sein."),
    ],
)
def test_a_too_long_filter_is_refused_in_the_page_language(app, lang, error):
    with app.test_request_context(headers={"Accept-Language": lang}):
        trail = TrailForm(MultiDict({"user": "x" * 300}), events={})
        search = SearchForm(MultiDict({"q": "x" * 300}))
        assert not trail.validate() and not search.validate()
        assert trail.user.errors == [error]
        assert search.q.errors == [error]
