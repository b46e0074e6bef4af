"""Behind TLS: the production settings pass `check --deploy`; security headers; the back
office and the API's document hidden from anonymous users; a private data folder."""

import os
import secrets
import stat
import subprocess
import sys

import pytest

from tests.factories import make_user

PRODUCTION = {
    "WANGGE_HTTPS": "1",
    "WANGGE_ALLOWED_HOSTS": "wangge.example.org",
    "WANGGE_HSTS_PRELOAD": "1",
    "WANGGE_DEBUG": "0",
}


def _run(tmp_path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Not the test process's own settings, nor what a browser test set for its live server.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WANGGE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "WANGGE_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    done = _run(
        tmp_path,
        "from wangge.cli import main; main(['manage', 'check', '--deploy', '--fail-level', "
        "'WARNING'])",
        WANGGE_SECRET_KEY=secrets.token_urlsafe(60),
        **PRODUCTION,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_without_https_check_deploy_complains(tmp_path):
    done = _run(
        tmp_path,
        "from wangge.cli import main; main(['manage', 'check', '--deploy', '--fail-level', "
        "'WARNING'])",
        WANGGE_SECRET_KEY=secrets.token_urlsafe(60),
    )
    assert done.returncode != 0 and "SECURE_HSTS_SECONDS" in done.stdout + done.stderr


def test_https_settings(tmp_path):
    done = _run(
        tmp_path,
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='wangge.settings'; "
        "django.setup(); from django.conf import settings as s; print("
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT)",
        **PRODUCTION,
    )
    assert done.stdout.split() == [
        "True", "True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True",
    ], done.stderr  # fmt: skip


def test_the_data_folder_and_databases_are_private(tmp_path):
    done = _run(
        tmp_path,
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='wangge.settings'; "
        "django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)",
    )
    assert done.returncode == 0, done.stderr
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("wangge.sqlite3", "tasks.sqlite3", "secret_key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    for extra in data.glob("wangge.sqlite3-*"):  # WAL and shared memory, if left
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


@pytest.mark.django_db
def test_security_headers_on_every_page(client, settings):
    page = client.get("/login/")
    assert "Content-Security-Policy-Report-Only" not in page  # enforced by default
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "geolocation=(self)" in page["Permissions-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    settings.WANGGE_CSP_MODE = "report-only"
    assert "Content-Security-Policy" not in client.get("/login/")
    settings.WANGGE_CSP_MODE = "enforce"
    settings.WANGGE_CSP_EXTRA = "img-src https://tiles.example.org"
    csp = client.get("/login/")["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.example.org" in csp


@pytest.mark.django_db
def test_back_office_and_api_document_are_not_offered_to_anonymous_users(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=/admin/"
    assert client.get("/api/docs").status_code == 404
    assert client.get("/api/openapi.json").status_code == 404
    client.force_login(make_user("clerk"))  # logged in, not staff: refused, not looped
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    assert client.get("/api/docs").status_code == 200
