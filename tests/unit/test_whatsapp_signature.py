"""The WhatsApp channel checks that webhooks come from Meta, and does not start without the means to."""

import pytest
from rasa.shared.exceptions import RasaException

from connectors.whatsapp.channel import WhatsAppInput
from seva.settings import WhatsAppSettings


def test_the_signature_is_hmac_sha256_of_the_raw_body(sqlite_services):
    channel = WhatsAppInput(WhatsAppSettings(app_secret="secret", api_base_url="http://127.0.0.1:1"), sqlite_services)
    vector = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    assert channel.reception.signed(b"test", vector)
    assert not channel.reception.signed(b"test ", vector)
    assert not channel.reception.signed(b"test", None) and not channel.reception.signed(b"test", "sha1=abc")


def test_the_channel_refuses_to_start_without_an_app_secret(sqlite_services):
    with pytest.raises(RasaException, match="app secret"):
        WhatsAppInput.for_services(sqlite_services, {})


def test_the_app_secret_may_come_from_credentials_yml(sqlite_services):
    channel = WhatsAppInput.for_services(sqlite_services, {"app_secret": "from-credentials"})
    assert channel.reception.app_secret == b"from-credentials"


def test_what_the_receiver_signs_the_channel_takes(sqlite_services):
    channel = WhatsAppInput(WhatsAppSettings(app_secret="secret", api_base_url="http://127.0.0.1:1"), sqlite_services)
    body = b'{"messages": []}'
    assert channel.reception.signed(body, channel.reception.signature(body))
    assert not channel.reception.signed(body + b" ", channel.reception.signature(body))
