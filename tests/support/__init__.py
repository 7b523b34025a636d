"""Helpers the tests share: a real database (`database`), the site through its forms (`web`),
users made directly (`users`), and real processes, gunicorn and a database (`live`)."""
