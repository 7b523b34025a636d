"""Template filters: times as people read them."""

from __future__ import annotations

from datetime import UTC, datetime

from flaskr.web.filters import when


def test_when_filter():
    # No leading zero on the day.
    assert when(datetime(2026, 3, 4, 5, 6, tzinfo=UTC)) == "4 March 2026, 05:06 UTC"
    assert when(datetime(2026, 11, 27, 23, 59, 59, tzinfo=UTC)) == "27 November 2026, 23:59 UTC"
    assert when(None) == ""


def test_when_in_a_page_is_a_time_element_and_plain_text_elsewhere(app):
    at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with app.test_request_context():
        html = app.jinja_env.from_string("{{ at|when }}")
        assert html.render(at=at) == (
            '<time datetime="2026-03-04T05:06:07Z">4 March 2026, 05:06 UTC</time>'
        )
        text = app.jinja_env.from_string("{% autoescape false %}{{ at|when }}{% endautoescape %}")
        assert text.render(at=at) == "4 March 2026, 05:06 UTC"
        assert html.render(at=None) == ""
