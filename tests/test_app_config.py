"""Settings: safe defaults in instance/, the environment, and the WSGI entry point."""

import importlib
import os
import stat

from cbl import create_app
from cbl.config import from_environment, normalise_database_url


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CBL_INSTANCE_PATH", str(tmp_path))
    first = create_app({"TESTING": True})
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'cbl.sqlite'}"
    assert first.config["UPLOAD_FOLDER"] == str(tmp_path / "uploads")


def test_environment_settings_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CBL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://cbl@db.internal/cbl")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("CBL_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("CBL_PAGE_SIZE", "50")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://cbl@db.internal/cbl"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["PAGE_SIZE"] == 50
    assert not (tmp_path / "secret_key").exists()


def test_database_urls_are_normalised_for_psycopg():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_test_only_variables_are_not_settings(monkeypatch):
    monkeypatch.setenv("CBL_TEST_DATABASE_URL", "postgresql://x/y")
    assert "TEST_DATABASE_URL" not in from_environment()


def test_wsgi_module_exposes_the_application(tmp_path, monkeypatch):
    monkeypatch.setenv("CBL_INSTANCE_PATH", str(tmp_path))
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "cbl"
    assert "main.healthz" in {rule.endpoint for rule in wsgi.app.url_map.iter_rules()}


def test_trusted_hosts_refuse_a_request_naming_another_host(tmp_path, monkeypatch):
    """With CBL_TRUSTED_HOSTS set, a request whose Host header names another site is refused
    before any page or link is built on it."""
    monkeypatch.setenv("CBL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CBL_TRUSTED_HOSTS", "cbl.school.org, www.cbl.school.org")
    app = create_app({"TESTING": True})
    assert app.config["TRUSTED_HOSTS"] == ["cbl.school.org", "www.cbl.school.org"]
    client = app.test_client()
    refused = client.get("/static/css/app.css", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "does not answer to that address" in refused.get_data(as_text=True)
    with client.get("/static/css/app.css", headers={"Host": "cbl.school.org"}) as served:
        assert served.status_code == 200
