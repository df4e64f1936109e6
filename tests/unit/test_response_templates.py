"""Response templates: what the citizen is told when staff pick one, in the citizen's language."""

from seva.responses import load_responses

RESPONSES = load_responses()


def test_the_citizen_hears_the_template_in_their_language_then_staffs_own_words():
    said = RESPONSES.citizen_comment("resolve.fixed", "new bulb fitted", "pa")
    assert said == RESPONSES.get("resolve.fixed").text("pa") + "\nnew bulb fitted"
    assert RESPONSES.citizen_comment("resolve.fixed", None, "hi") == RESPONSES.get("resolve.fixed").text("hi")
    assert RESPONSES.citizen_comment(None, "new bulb fitted", "hi") == "new bulb fitted"
    assert RESPONSES.citizen_comment(None, None, "en") is None


def test_a_template_goes_with_its_own_actions_only():
    assert RESPONSES.fits("reject.duplicate", "REJECT")
    assert not RESPONSES.fits("reject.duplicate", "RESOLVE") and not RESPONSES.fits("no.such", "REJECT")
    assert {t.code for t in RESPONSES.for_action("ASSIGN")} == {"assign.inspection", "assign.crew"}
