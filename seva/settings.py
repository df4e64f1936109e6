"""Every setting Seva takes from the environment, read here and nowhere else.

`Settings.from_env()` reads them once per process (the composition root, `seva.bootstrap`, does); tests make a
`Settings` of their own. The README's configuration tables list the same variables with the same defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_DIR / "var"


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Business Cloud API: the channel (webhooks in, replies out) and the worker's templates."""

    app_secret: str = ""
    verify_token: str = ""
    access_token: str = ""
    phone_number_id: str = ""
    api_base_url: str = "https://graph.facebook.com"
    missed_call_token: Optional[str] = None
    missed_call_template: str = "seva_welcome"
    reengage_template: Optional[str] = None
    update_template: str = "seva_complaint_update"
    send_attempts: int = 4
    send_backoff_seconds: float = 1.0
    # Meta redelivers an unanswered webhook for days; ids are kept this long to recognise it.
    message_id_days: int = 7
    # A message taken in but not answered within this long (Rasa restarted, a replica died) is handled again.
    redeliver_after_seconds: float = 120.0

    def with_credentials(self, credentials: Mapping[str, Any]) -> WhatsAppSettings:
        """These settings with the non-empty values of credentials.yml put first, as Rasa's channels do."""
        given = {}
        for f in fields(self):
            value = credentials.get(f.name)
            if value not in (None, ""):
                given[f.name] = _NUMBERS[f.name](value) if f.name in _NUMBERS else value
        return replace(self, **given)


_NUMBERS = {
    "send_attempts": int,
    "send_backoff_seconds": float,
    "message_id_days": int,
    "redeliver_after_seconds": float,
}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{VAR_DIR / 'seva.db'}"
    media_dir: Path = VAR_DIR / "media"
    staff_api_port: int = 5070
    # Rasa's HTTP API, where the notification worker triggers updates.
    rasa_url: str = "http://localhost:5005"
    rasa_auth_token: Optional[str] = None
    # The REST channel's bearer token; without one the channel is open, unless the WhatsApp channel is on.
    rest_channel_token: Optional[str] = None
    # A staff API token stops working this many days after it was issued.
    staff_token_days: int = 90
    # Messages one citizen may send a minute, on any channel; more are answered with a request to slow down.
    citizen_messages_per_minute: int = 30
    # A citizen silent this long in the middle of filing is reminded once; keep it under Rasa's session expiry
    # (domain.yml), after which the half-filed form is gone.
    filing_reminder_minutes: float = 30
    # The staff console: a session ends after this many idle minutes, or this many hours after sign-in; this many
    # failed sign-ins in a row lock the account for the lock-out's minutes.
    console_idle_minutes: int = 30
    console_session_hours: int = 12
    console_sign_in_attempts: int = 5
    console_lockout_minutes: int = 15
    # Served behind a proxy that terminates TLS: the session cookie is marked Secure although Seva sees plain HTTP.
    console_https: bool = False
    # The channels whose citizens read the privacy notice and agree to it before anything is filed for them (the
    # REST channel is testers' and integrations', whose operator gives notice).
    notice_channels: Tuple[str, ...] = ("whatsapp",)
    # A citizen handed over to a person who waits this long for an operator's answer is handed back to Seva.
    handover_timeout_minutes: float = 15
    # Conversations (Rasa's tracker store) and ended hand-overs are deleted this many days after their last event.
    conversation_days: int = 90
    # Rasa's endpoints file: where the trainers' review inbox reads the conversations (its tracker store).
    endpoints: Path = PROJECT_DIR / "endpoints.yml"
    # The cells' training data (one file per cell), where the messages trainers accept are added.
    training_data_dir: Path = PROJECT_DIR / "data" / "nlu"
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)

    @property
    def rest_channel_open(self) -> bool:
        """Testers use the REST channel freely; in production (WhatsApp on) only with a token."""
        return not self.whatsapp.app_secret or self.rest_channel_token is not None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Settings:
        env = os.environ if environ is None else environ
        default = cls()
        wa = WhatsAppSettings()

        def text(name: str, fallback: Any) -> Any:
            return env.get(name) or fallback

        return cls(
            database_url=text("DATABASE_URL", default.database_url),
            media_dir=Path(text("MEDIA_DIR", default.media_dir)),
            staff_api_port=int(text("STAFF_API_PORT", default.staff_api_port)),
            rasa_url=text("RASA_URL", default.rasa_url),
            rasa_auth_token=text("RASA_AUTH_TOKEN", None),
            rest_channel_token=text("REST_CHANNEL_TOKEN", None),
            staff_token_days=int(text("STAFF_TOKEN_DAYS", default.staff_token_days)),
            citizen_messages_per_minute=int(text("CITIZEN_MESSAGES_PER_MINUTE", default.citizen_messages_per_minute)),
            filing_reminder_minutes=float(text("FILING_REMINDER_MINUTES", default.filing_reminder_minutes)),
            console_idle_minutes=int(text("CONSOLE_IDLE_MINUTES", default.console_idle_minutes)),
            console_session_hours=int(text("CONSOLE_SESSION_HOURS", default.console_session_hours)),
            console_sign_in_attempts=int(text("CONSOLE_SIGN_IN_ATTEMPTS", default.console_sign_in_attempts)),
            console_lockout_minutes=int(text("CONSOLE_LOCKOUT_MINUTES", default.console_lockout_minutes)),
            console_https=text("CONSOLE_HTTPS", "").lower() in ("1", "true", "yes"),
            notice_channels=tuple(
                c.strip() for c in text("NOTICE_CHANNELS", ",".join(default.notice_channels)).split(",") if c.strip()
            ),
            handover_timeout_minutes=float(text("HANDOVER_TIMEOUT_MINUTES", default.handover_timeout_minutes)),
            conversation_days=int(text("CONVERSATION_DAYS", default.conversation_days)),
            endpoints=Path(text("ENDPOINTS", default.endpoints)),
            training_data_dir=Path(text("TRAINING_DATA_DIR", default.training_data_dir)),
            whatsapp=WhatsAppSettings(
                app_secret=text("WHATSAPP_APP_SECRET", wa.app_secret),
                verify_token=text("WHATSAPP_VERIFY_TOKEN", wa.verify_token),
                access_token=text("WHATSAPP_ACCESS_TOKEN", wa.access_token),
                phone_number_id=text("WHATSAPP_PHONE_NUMBER_ID", wa.phone_number_id),
                api_base_url=text("WHATSAPP_API_BASE_URL", wa.api_base_url),
                missed_call_token=text("WHATSAPP_MISSED_CALL_TOKEN", wa.missed_call_token),
                missed_call_template=text("WHATSAPP_MISSED_CALL_TEMPLATE", wa.missed_call_template),
                reengage_template=text("WHATSAPP_REENGAGE_TEMPLATE", wa.reengage_template),
                update_template=text("WHATSAPP_UPDATE_TEMPLATE", wa.update_template),
                send_attempts=int(text("WHATSAPP_SEND_ATTEMPTS", wa.send_attempts)),
                send_backoff_seconds=float(text("WHATSAPP_SEND_BACKOFF_SECONDS", wa.send_backoff_seconds)),
                message_id_days=int(text("WHATSAPP_MESSAGE_ID_DAYS", wa.message_id_days)),
                redeliver_after_seconds=float(text("WHATSAPP_REDELIVER_AFTER_SECONDS", wa.redeliver_after_seconds)),
            ),
        )
