"""Settings come from the environment; a malformed value stops start-up naming the variable."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import ROOT
from webapp.settings import database_from_url, env_bool, env_int, env_list


def test_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        env_bool("DEBUG", False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("off", False), ("", False)]
)
def test_booleans_accept_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", False) is expected


def test_malformed_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be an integer"):
        env_int("EMAIL_PORT", 25)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "studio.example.com, .example.org ,")
    assert env_list("ALLOWED_HOSTS", []) == ["studio.example.com", ".example.org"]


def test_postgres_url_is_parsed():
    db = database_from_url("postgres://app:p%40ss@db.internal:6543/studio?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "p@ss",
        "db.internal",
        "6543",
        "studio",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_url_is_parsed():
    db = database_from_url("sqlite:////srv/studio/db.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert str(db["NAME"]) == "/srv/studio/db.sqlite3"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/studio", "must start with sqlite:// or postgres://"),
        ("postgres://postgres@localhost:port/studio", "malformed port"),
        ("postgres://postgres@localhost:5432/", "names no database"),
    ],
)
def test_malformed_database_url_is_refused(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def run_manage(*args, env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_malformed_setting_stops_start_up_with_a_clear_message(tmp_path):
    result = run_manage("check", env_overrides={"DEBUG": "maybe", "DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_with_production_settings_reports_no_warnings(tmp_path):
    production = {
        "DATA_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "q8!v3x#m0r$k2z@w7p^t1y&u5i*o9e(l4a)s6d_f-g+h=j8k3b%n2c!x7v$z1q9w",
        "ALLOWED_HOSTS": "studio.example.com",
        "HTTPS": "true",
        "DATABASE_URL": "postgres://studio@db.internal:5432/studio",
        "REDIS_URL": "redis://cache.internal:6379/1",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
        "S3_BUCKET": "studio-media",
        "EMAIL_HOST": "smtp.example.com",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_old_model_path_setting_is_refused_with_its_new_name(tmp_path):
    result = run_manage(
        "check", env_overrides={"GENERATION_MODEL_PATH": "/models/x", "DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "GENERATION_MODEL_DIR" in result.stderr


def test_an_unknown_model_spec_stops_start_up_naming_the_known_ones(tmp_path):
    result = run_manage(
        "check", env_overrides={"GENERATION_MODEL": "wan2.1-t2v-1.3b", "DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "GENERATION_MODEL" in result.stderr and "wan2.1" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        ("0", {}),
        ("30", {"text_to_video": 30, "image_to_video": 30, "extend": 30, "references": 30}),
        ("text_to_video=12, text_to_picture=2", {"text_to_video": 12, "text_to_picture": 2}),
    ],
)
def test_step_overrides_are_per_kind_and_leave_the_distilled_picture_model_alone(
    monkeypatch, raw, expected
):
    from webapp.settings import generation_steps

    monkeypatch.setenv("GENERATION_STEPS", raw)
    assert generation_steps("GENERATION_STEPS") == expected


@pytest.mark.parametrize("raw", ["-3", "lots", "video=3", "extend=0"])
def test_malformed_step_overrides_name_the_variable(monkeypatch, raw):
    from webapp.settings import generation_steps

    monkeypatch.setenv("GENERATION_STEPS", raw)
    with pytest.raises(ImproperlyConfigured, match="GENERATION_STEPS must be"):
        generation_steps("GENERATION_STEPS")


def test_the_broker_waits_out_the_longest_job_of_the_model(tmp_path):
    """wan2.1's 10-s 720P jobs run for hours: the default visibility timeout follows."""
    code = (
        "from django.conf import settings; "
        "print(settings.JOB_LONGEST_HARD_LIMIT, "
        "settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    env = {
        "GENERATION_MODEL": "wan2.1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DATA_DIR": str(tmp_path),
    }
    result = run_manage("shell", "-c", code, env_overrides=env)
    longest, visibility = map(int, result.stdout.strip().splitlines()[-1].split())
    assert longest > 3 * 3600 and visibility > longest
    env["CELERY_VISIBILITY_TIMEOUT"] = str(3 * 3600)
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0 and "CELERY_VISIBILITY_TIMEOUT must exceed" in result.stderr
