"""Rasa's messages become WhatsApp message bodies within WhatsApp's limits."""

import unicodedata

from whatsapp_cloud.messages import buttons_body, custom_body, image_body, shorten, split_text, unique

CITIZEN = "919876543210"


def test_long_text_is_split_at_word_boundaries_within_4096_characters():
    text = ("garbage " * 1500).strip()
    pieces = split_text(text)
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces) == text
    assert all(not p.endswith("garbag") for p in pieces)


def test_text_without_spaces_is_split_without_separating_a_letter_from_its_signs():
    text = "कूड़ा" * 2000
    pieces = split_text(text)
    assert "".join(pieces) == text and all(len(p) <= 4096 for p in pieces)
    for piece in pieces[1:]:
        assert unicodedata.category(piece[0]) not in ("Mn", "Mc")


def test_titles_are_shortened_between_words_and_never_inside_a_letter():
    assert shorten("Encroachment & illegal building", 20) == "Encroachment &…"
    punjabi = shorten("ਕਬਜ਼ੇ ਅਤੇ ਨਾਜਾਇਜ਼ ਉਸਾਰੀ ਦੀ ਸ਼ਿਕਾਇਤ", 20)
    assert len(punjabi) <= 20 and punjabi.endswith("…")
    assert unicodedata.category(punjabi[-2]) != "Mn" or punjabi[-2] != "੍"
    hindi = shorten("पानीकापाइपटूटाहुआहैयहाँपर", 10)
    assert len(hindi) <= 10 and "्…" not in hindi


def test_shortened_titles_stay_unique():
    titles = unique(["Model Town (Zone Cantt, Ward 26)", "Model Town (Zone Cantt, Ward 27)"], 20)
    assert len(set(titles)) == 2 and all(len(t) <= 20 for t in titles)


def test_three_short_buttons_become_reply_buttons():
    bodies, numbered = buttons_body(
        CITIZEN,
        "Shall I file it?",
        [
            {"title": "Yes, file it", "payload": "/affirm"},
            {"title": "Change something", "payload": "/deny"},
            {"title": "Cancel", "payload": "/stop"},
        ],
    )
    assert numbered is None and len(bodies) == 1
    interactive = bodies[0]["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["/affirm", "/deny", "/stop"]


def test_up_to_ten_choices_become_a_list_with_long_titles_described():
    buttons = [{"title": f"Category number {i} with a long name", "payload": f"/inform{i}"} for i in range(8)]
    bodies, numbered = buttons_body(CITIZEN, "What is the problem about? Choose one:", buttons)
    interactive = bodies[0]["interactive"]
    assert numbered is None and interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert len(rows) == 8 and all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["description"] == "Category number 0 with a long name"
    assert len(interactive["action"]["button"]) <= 20


def test_more_than_ten_choices_go_out_as_numbered_text():
    buttons = [{"title": f"Choice {i}", "payload": f'/inform{{"n": {i}}}'} for i in range(13)]
    bodies, numbered = buttons_body(CITIZEN, "Choose one:", buttons)
    assert bodies[0]["type"] == "text" and "13. Choice 12" in bodies[0]["text"]["body"]
    assert numbered == [b["payload"] for b in buttons]


def test_images_go_by_link_and_custom_json_passes_through():
    assert image_body(CITIZEN, "https://example.org/map.png", "Your area") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN,
        "type": "image",
        "image": {"link": "https://example.org/map.png", "caption": "Your area"},
    }
    sticker = {"type": "sticker", "sticker": {"id": "798882015472548"}}
    assert custom_body(CITIZEN, sticker) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN,
        **sticker,
    }


def test_an_uploaded_photo_goes_by_its_media_id_and_never_by_a_link_as_well():
    assert image_body(CITIZEN, media_id="880000000001") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CITIZEN,
        "type": "image",
        "image": {"id": "880000000001"},
    }
    both = image_body(CITIZEN, "https://example.org/x.jpg", "ਠੀਕ", media_id="7")
    assert both["image"] == {"id": "7", "caption": "ਠੀਕ"}
    assert len(image_body(CITIZEN, media_id="7", caption="x" * 5000)["image"]["caption"]) == 1024
