"""WSGI entry point: ``gunicorn wsgi:app``."""
from cbl import create_app

app = create_app()
