"""Sending through the Graph API, against a real HTTP server standing in for it: retries decided by the error
code, the template after 24 hours, nothing sent twice, photos fetched and kept by content hash."""

import asyncio

import pytest

from tests.graph_api import StandInGraphApi
from whatsapp_cloud.api import GraphApi, MediaRejected, MediaUnavailable, SendError
from whatsapp_cloud.messages import text_body

CITIZEN = "919876543210"
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 100


@pytest.fixture
def graph():
    stand_in = StandInGraphApi().start()
    yield stand_in
    stand_in.stop()


def api_for(graph, **kwargs):
    waits = []

    async def no_wait(seconds):
        waits.append(seconds)

    api = GraphApi("token", "106540352242922", base_url=graph.url, sleep=no_wait, **kwargs)
    return api, waits


def send(api, body):
    """The message id, or the kind of SendError the client raised."""
    try:
        return asyncio.run(api.send(body))
    except SendError as error:
        return type(error).__name__


def test_a_message_is_sent_with_the_bearer_token(graph):
    api, _ = api_for(graph)
    assert send(api, text_body(CITIZEN, "hello")) == "wamid.standin1"
    assert graph.sent == [text_body(CITIZEN, "hello")]
    assert graph.requests == ["/v21.0/106540352242922/messages"]


@pytest.mark.parametrize(
    "status, code",
    [(400, 130429), (400, 131056), (500, None), (503, None), (429, None), (429, 80007), (400, 4), (500, 131000)],
)
def test_rate_limits_and_server_errors_are_retried_with_backoff_and_sent_once(graph, status, code):
    api, waits = api_for(graph)
    graph.fail_next(status, code)
    graph.fail_next(status, code)
    assert send(api, text_body(CITIZEN, "hello")) == "wamid.standin1"
    assert len(graph.sent) == 1 and len(graph.requests) == 3
    assert waits == [1.0, 2.0]


def test_retries_give_up_after_the_last_attempt(graph):
    api, _ = api_for(graph, attempts=3)
    for _ in range(3):
        graph.fail_next(400, 130429)
    assert send(api, text_body(CITIZEN, "hello")) == "Unavailable" and graph.sent == []


def test_a_timeout_is_not_retried_so_nothing_goes_out_twice(graph):
    api, _ = api_for(graph, timeout_seconds=0.5)
    graph.fail_next(200, None, delay=2.0)
    assert send(api, text_body(CITIZEN, "hello")) == "MaybeSent"
    assert len(graph.requests) == 1


def test_outside_the_24_hour_window_the_template_goes_instead(graph):
    api, _ = api_for(graph, fallback_template="seva_update", fallback_language=lambda r: "pa")
    graph.fail_next(400, 131047)
    assert send(api, text_body(CITIZEN, "your complaint was resolved")) == "wamid.standin1"
    assert graph.sent[0]["type"] == "template"
    assert graph.sent[0]["template"] == {"name": "seva_update", "language": {"code": "pa"}}


def test_other_errors_are_refusals_logged_and_not_retried(graph, caplog):
    api, _ = api_for(graph)
    graph.fail_next(400, 131009)
    assert send(api, text_body(CITIZEN, "hello")) == "Refused"
    assert len(graph.requests) == 1 and "131009" in caplog.text


def test_an_unreachable_api_is_unavailable(graph):
    api, _ = api_for(graph, attempts=2)
    api.base = "http://127.0.0.1:1/v21.0"
    assert send(api, text_body(CITIZEN, "hello")) == "Unavailable"


def test_a_photo_is_fetched_and_kept_by_its_content_hash(graph, tmp_path):
    api, _ = api_for(graph)
    graph.add_media("1234567", "image/jpeg", JPEG)
    saved = asyncio.run(api.save_image("1234567", tmp_path))
    assert saved.mime_type == "image/jpeg" and saved.size == len(JPEG)
    assert saved.uri.endswith(f"{saved.sha256}.jpg") and open(saved.uri, "rb").read() == JPEG
    again = asyncio.run(api.save_image("1234567", tmp_path))
    assert again.uri == saved.uri


@pytest.mark.parametrize(
    "mime, data",
    [
        ("image/gif", b"GIF89a"),
        ("application/pdf", b"%PDF"),
        ("image/jpeg", b"\xff\xd8\xff" + b"x" * (5 * 1024 * 1024)),
        ("image/jpeg", b"<!doctype html><html>not a photo</html>"),
    ],
)
def test_photos_of_the_wrong_type_or_size_are_refused(graph, tmp_path, mime, data):
    api, _ = api_for(graph)
    graph.add_media("42", mime, data)
    with pytest.raises(MediaRejected):
        asyncio.run(api.save_image("42", tmp_path))
    assert list(tmp_path.rglob("*.*")) == []


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 12_000


@pytest.mark.parametrize("faults", [{}, {"chunked": True}, {"file_size": 1000}])
def test_a_3_mb_photo_is_kept_whole_however_it_is_sent(graph, tmp_path, faults):
    api, _ = api_for(graph)
    graph.add_media("777", "image/jpeg", PNG, **faults)  # labelled JPEG, but the bytes say PNG
    saved = asyncio.run(api.save_image("777", tmp_path))
    assert (saved.size, saved.mime_type) == (len(PNG), "image/png") and open(saved.uri, "rb").read() == PNG


def test_a_photo_larger_than_its_metadata_claims_is_still_refused_beyond_the_limit(graph, tmp_path):
    api, _ = api_for(graph)
    graph.add_media("778", "image/jpeg", b"\xff\xd8\xff" + b"x" * (5 * 1024 * 1024), file_size=10, chunked=True)
    with pytest.raises(MediaRejected):
        asyncio.run(api.save_image("778", tmp_path))


@pytest.mark.parametrize(
    "faults", [{"metadata_status": 404}, {"metadata_status": 500}, {"no_url": True}, {"metadata_delay": 2}]
)
def test_a_photo_the_graph_api_will_not_give_is_unavailable(graph, tmp_path, faults):
    api, _ = api_for(graph, timeout_seconds=1)
    graph.add_media("779", "image/jpeg", JPEG, **faults)
    with pytest.raises(MediaUnavailable):
        asyncio.run(api.save_image("779", tmp_path))


@pytest.mark.parametrize("media_id", ["../106540352242922/messages", "12?fields=x", "", "1" * 41])
def test_a_media_id_that_is_not_one_never_reaches_the_graph_api(graph, tmp_path, media_id):
    api, _ = api_for(graph)
    with pytest.raises(MediaRejected):
        asyncio.run(api.save_image(media_id, tmp_path))
    assert graph.requests == []
