"""Every setting comes from one place: the environment read by `Settings.from_env`, with the README's defaults."""

import re
from pathlib import Path

from seva.settings import PROJECT_DIR, Settings, WhatsAppSettings


def test_without_any_variable_seva_runs_on_the_embedded_database_under_var():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.database_url == f"sqlite:///{PROJECT_DIR / 'var' / 'seva.db'}"
    assert settings.media_dir == PROJECT_DIR / "var" / "media"
    assert (settings.staff_api_port, settings.rasa_url, settings.rasa_auth_token) == (
        5070,
        "http://localhost:5005",
        None,
    )
    assert settings.whatsapp.message_id_days == 7 and settings.whatsapp.app_secret == ""


def test_each_variable_is_read_and_typed():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://seva@db/seva",
            "MEDIA_DIR": "/srv/media",
            "STAFF_API_PORT": "8080",
            "RASA_URL": "http://rasa:5005",
            "RASA_AUTH_TOKEN": "t0ken",
            "WHATSAPP_APP_SECRET": "s",
            "WHATSAPP_SEND_ATTEMPTS": "2",
            "WHATSAPP_SEND_BACKOFF_SECONDS": "0.5",
            "WHATSAPP_MESSAGE_ID_DAYS": "3",
            "WHATSAPP_UPDATE_TEMPLATE": "update_v2",
        }
    )
    assert settings.database_url == "postgresql://seva@db/seva" and settings.media_dir == Path("/srv/media")
    assert (settings.staff_api_port, settings.rasa_auth_token) == (8080, "t0ken")
    whatsapp = settings.whatsapp
    assert (whatsapp.app_secret, whatsapp.send_attempts, whatsapp.send_backoff_seconds) == ("s", 2, 0.5)
    assert (whatsapp.message_id_days, whatsapp.update_template) == (3, "update_v2")


def test_an_empty_variable_is_as_good_as_unset():
    assert Settings.from_env({"DATABASE_URL": "", "STAFF_API_PORT": ""}) == Settings()


def test_credentials_yml_values_come_before_the_environment_and_empty_ones_do_not():
    settings = WhatsAppSettings(app_secret="from-env", verify_token="v").with_credentials(
        {"app_secret": "from-credentials", "verify_token": "", "send_attempts": "6", "unknown": "x"}
    )
    assert (settings.app_secret, settings.verify_token, settings.send_attempts) == ("from-credentials", "v", 6)


def test_the_readme_documents_every_variable_seva_reads_and_no_other():
    source = (PROJECT_DIR / "seva" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'text\("([A-Z_]+)"', source))
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    # ENDPOINTS is Rasa's and the Makefile's too; Seva reads it for the review inbox.
    seva_rows = [row for row in rows if not re.search(r"read by `endpoints\.production\.yml`|`ACTIONS_PORT`", row)]
    documented = {name for row in seva_rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert read == documented
