"""The WSGI entry point: `gunicorn wsgi:app`."""

from flaskr import create_app

app = create_app()
