"""The deploy kit, production mode, and gunicorn processes: outages and scale-out."""
