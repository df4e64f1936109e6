"""Sending through the Graph API, against a real HTTP server standing in for it: retries decided by the error
code, the template after 24 hours, nothing sent twice, photos fetched and kept by content hash; and photos Seva
keeps uploaded to be sent by their media id, never a file from outside the media directory."""

import asyncio
from pathlib import Path

import pytest

from connectors.whatsapp.channel import DeliveryFailed, WhatsAppOutput
from connectors.whatsapp.store import ChannelStore
from seva.media import keep_image
from tests.graph_api import StandInGraphApi
from whatsapp_cloud.api import GraphApi, MediaRejected, MediaUnavailable, SendError
from whatsapp_cloud.messages import image_body, text_body

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


# Uploading a photo Seva keeps (a proof of fix), to send it by its media id.


def upload(api, path, mime_type="image/jpeg"):
    """The media id, or the kind of SendError the client raised."""
    try:
        return asyncio.run(api.upload_image(path, mime_type))
    except SendError as error:
        return type(error).__name__


@pytest.fixture
def kept_photo(tmp_path):
    """A photo kept under the media directory the way Seva keeps them (named by its content hash)."""
    return Path(keep_image(JPEG, tmp_path / "media").uri)


def test_an_upload_gives_a_media_id_and_whatsapp_has_the_exact_photo(graph, kept_photo):
    api, _ = api_for(graph)
    media_id = upload(api, kept_photo)
    assert media_id.isdigit() and graph.uploads == {media_id: ("image/jpeg", JPEG)}
    assert graph.requests == ["/v21.0/106540352242922/media"] and graph.sent == []


def test_an_upload_without_the_bearer_token_is_refused(graph, kept_photo):
    api, _ = api_for(graph)
    api.headers = {}
    assert upload(api, kept_photo) == "Refused" and graph.uploads == {}


@pytest.mark.parametrize("status, code", [(500, None), (429, None), (400, 130429)])
def test_a_failed_upload_is_retried_with_backoff_and_kept_once(graph, kept_photo, status, code):
    api, waits = api_for(graph)
    graph.fail_next(status, code)
    media_id = upload(api, kept_photo)
    assert list(graph.uploads) == [media_id] and graph.uploads[media_id] == ("image/jpeg", JPEG)
    assert len(graph.requests) == 2 and waits == [1.0]


def test_an_upload_whatsapp_refuses_is_not_retried(graph, kept_photo, caplog):
    api, _ = api_for(graph)
    graph.fail_next(400, 131053)
    assert upload(api, kept_photo) == "Refused"
    assert len(graph.requests) == 1 and graph.uploads == {} and "131053" in caplog.text


def test_an_upload_that_gets_no_answer_in_time_is_not_retried(graph, kept_photo):
    api, _ = api_for(graph, timeout_seconds=0.5)
    graph.fail_next(200, None, delay=2.0)
    assert upload(api, kept_photo) == "MaybeSent" and len(graph.requests) == 1


def test_uploads_give_up_while_whatsapp_is_down(graph, kept_photo):
    api, waits = api_for(graph, attempts=3)
    graph.fail_for(30)
    assert upload(api, kept_photo) == "Unavailable" and graph.uploads == {} and len(waits) == 2


# The WhatsApp channel sending a photo: one Seva keeps is uploaded and sent by id, a link as a link, nothing else.


def output(graph, sqlite_services, media_dir, strict=False):
    api, _ = api_for(graph)
    store = ChannelStore(sqlite_services.database)
    return WhatsAppOutput(api, store, strict=strict, reply_to=None if strict else "wamid.in1", media_dir=media_dir)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("relative", [False, True])
def test_a_photo_seva_keeps_is_uploaded_and_sent_by_its_media_id(graph, sqlite_services, kept_photo, strict, relative):
    media_dir = kept_photo.parent.parent
    image = str(kept_photo.relative_to(media_dir)) if relative else str(kept_photo)
    asyncio.run(output(graph, sqlite_services, media_dir, strict).send_image_url(CITIZEN, image))
    [media_id] = graph.uploads
    assert graph.uploads[media_id] == ("image/jpeg", JPEG)
    assert graph.sent == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": CITIZEN,
            "type": "image",
            "image": {"id": media_id},
        }
    ]


def test_a_png_seva_keeps_is_uploaded_as_a_png(graph, sqlite_services, tmp_path):
    png = Path(keep_image(PNG[:5000], tmp_path / "media").uri)
    asyncio.run(output(graph, sqlite_services, tmp_path / "media").send_image_url(CITIZEN, str(png)))
    assert list(graph.uploads.values()) == [("image/png", PNG[:5000])]
    assert graph.sent[0]["image"] == {"id": next(iter(graph.uploads))}


@pytest.mark.parametrize(
    "image",
    ["/etc/hostname", "../outside.jpg", "{outside}", "../media/../outside.jpg", "link.jpg", "ab/missing.jpg", ""],
)
@pytest.mark.parametrize("strict", [False, True])
def test_a_path_outside_the_media_directory_is_neither_uploaded_nor_sent(
    graph, sqlite_services, kept_photo, tmp_path, image, strict, caplog
):
    media_dir = kept_photo.parent.parent
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(JPEG)  # a real photo, just not one of Seva's
    (media_dir / "link.jpg").symlink_to(outside)
    asyncio.run(
        output(graph, sqlite_services, media_dir, strict).send_image_url(CITIZEN, image.format(outside=outside))
    )
    assert graph.requests == [] and graph.uploads == {} and graph.sent == []
    assert "not sent" in caplog.text


def test_without_a_media_directory_no_file_is_uploaded(graph, sqlite_services, kept_photo):
    asyncio.run(output(graph, sqlite_services, None).send_image_url(CITIZEN, str(kept_photo)))
    assert graph.requests == []


@pytest.mark.parametrize("link", ["https://example.org/fixed.jpg", "http://example.org/fixed.png"])
def test_a_link_is_sent_as_a_link_and_nothing_is_uploaded(graph, sqlite_services, tmp_path, link):
    asyncio.run(output(graph, sqlite_services, tmp_path).send_image_url(CITIZEN, link))
    assert graph.uploads == {} and graph.requests == ["/v21.0/106540352242922/messages"]
    assert graph.sent == [image_body(CITIZEN, link)] and graph.sent[0]["image"] == {"link": link}


@pytest.mark.parametrize("failures", [[(400, 131053)], [(503, None)] * 4, [(400, 100)]])
def test_a_strict_output_whose_upload_fails_raises_and_sends_nothing(graph, sqlite_services, kept_photo, failures):
    for status, code in failures:
        graph.fail_next(status, code)
    strict = output(graph, sqlite_services, kept_photo.parent.parent, strict=True)
    with pytest.raises(DeliveryFailed):
        asyncio.run(strict.send_image_url(CITIZEN, str(kept_photo)))
    assert graph.uploads == {} and graph.sent == [] and len(graph.requests) == len(failures)


def test_a_strict_output_whose_upload_is_answered_without_a_media_id_raises(graph, sqlite_services, kept_photo):
    strict = output(graph, sqlite_services, kept_photo.parent.parent, strict=True)
    graph.fail_next(200)  # the upload is answered {}: no id to send the photo by
    with pytest.raises(DeliveryFailed):
        asyncio.run(strict.send_image_url(CITIZEN, str(kept_photo)))
    assert graph.sent == [] and graph.uploads == {}


def test_a_reply_whose_upload_fails_is_dropped_quietly(graph, sqlite_services, kept_photo):
    graph.fail_next(400, 131053)
    asyncio.run(output(graph, sqlite_services, kept_photo.parent.parent).send_image_url(CITIZEN, str(kept_photo)))
    assert graph.sent == [] and graph.uploads == {} and len(graph.requests) == 1


RESOLVED = {
    "text": "Good news: your complaint PB-PGR-2026-11-02-000031 has been marked resolved.",
    "buttons": [
        {"title": "Rate ⭐", "payload": '/rate_complaint{"complaint_id": "PB-PGR-2026-11-02-000031"}'},
        {"title": "Reopen", "payload": '/reopen_complaint{"complaint_id": "PB-PGR-2026-11-02-000031"}'},
    ],
}


@pytest.mark.parametrize("strict", [False, True])
def test_a_proof_photo_and_its_words_and_buttons_go_as_one_message(graph, sqlite_services, kept_photo, strict):
    out = output(graph, sqlite_services, kept_photo.parent.parent, strict)
    asyncio.run(out.send_response(CITIZEN, {**RESOLVED, "image": str(kept_photo)}))
    [message] = graph.sent
    interactive = message["interactive"]
    assert interactive["body"]["text"] == RESOLVED["text"]
    assert [b["reply"]["title"] for b in interactive["action"]["buttons"]] == ["Rate ⭐", "Reopen"]
    assert graph.uploads[interactive["header"]["image"]["id"]] == ("image/jpeg", JPEG)


def test_a_proof_photo_with_words_and_no_buttons_goes_with_its_words_as_the_caption(graph, sqlite_services, kept_photo):
    out = output(graph, sqlite_services, kept_photo.parent.parent)
    asyncio.run(out.send_response(CITIZEN, {"text": "Fixed.", "image": str(kept_photo)}))
    [message] = graph.sent
    assert message["image"]["caption"] == "Fixed." and graph.uploads[message["image"]["id"]][1] == JPEG


def test_words_too_long_for_a_caption_go_first_and_the_photo_after_them(graph, sqlite_services, kept_photo):
    out = output(graph, sqlite_services, kept_photo.parent.parent)
    asyncio.run(out.send_response(CITIZEN, {**RESOLVED, "text": "ਠੀਕ " * 400, "image": str(kept_photo)}))
    # Beyond a button message's 1024 characters, the choice goes as numbered text.
    assert [m["type"] for m in graph.sent] == ["text", "image"]
    assert graph.uploads[graph.sent[1]["image"]["id"]][1] == JPEG


def test_when_the_proof_photo_cannot_be_uploaded_a_strict_output_sends_nothing_at_all(
    graph, sqlite_services, kept_photo
):
    graph.fail_next_upload(400, 131053)
    out = output(graph, sqlite_services, kept_photo.parent.parent, strict=True)
    with pytest.raises(DeliveryFailed):
        asyncio.run(out.send_response(CITIZEN, {**RESOLVED, "image": str(kept_photo)}))
    assert graph.sent == []


def test_a_reply_whose_photo_could_not_go_keeps_its_place_for_the_replies_after_it(graph, sqlite_services, tmp_path):
    out = output(graph, sqlite_services, tmp_path)
    asyncio.run(out.send_image_url(CITIZEN, "ab/missing.jpg"))
    asyncio.run(out.send_text_message(CITIZEN, "next"))
    assert out.replies == 2 and len(graph.sent) == 1
