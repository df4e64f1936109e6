"""The complaint form: what to ask next, and how each answer is understood."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rapidfuzz import fuzz
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import conversation as conv
from actions.conversation import SKIPPED
from actions.privacy import notice_needed
from actions.replies import summary
from actions.services import UsesServices
from seva.answers import correction_named, is_skip_word, says_change
from seva.area import load_served_area
from seva.catalogue import load_catalogue
from seva.limits import MAX_DESCRIPTION, MAX_PHOTO_LINK, MAX_PLACE
from seva.masking import masked
from seva.matching import SURE, decide, load_gazetteer, normalise

logger = logging.getLogger(__name__)
# The action that begins the second complaint of a message with the first one's place and words.
SECOND_STARTER = "action_start_second_complaint"
# The category of the button under the two likeliest problems that shows all the categories instead.
ALL = "all"
# Answers shorter than this (letters and digits, after dropping emoji and punctuation) say too little.
MIN_DESCRIPTION = 6
# Intents that interrupt the form rather than answer its question.
_INTERRUPTIONS = frozenset(
    ("stop", "menu", "help", "track_complaint", "choose_language", "continue_filing", "filing_reminder")
    + ("greet", "bot_challenge")
    # what the WhatsApp channel says for a message it could not read, a photo not received, a flood
    + ("unsupported_message", "photo_not_received", "too_many_messages")
    # the citizen's say over their data, and a person (actions/privacy.py)
    + ("privacy", "stop_updates", "start_updates", "delete_my_data", "talk_to_person", "confirm_delete_data")
    + ("keep_my_data", "handover_ended", "data_erased")
)
# The questions after the problem is settled, at which the citizen may yet describe another problem.
_AFTER_THE_PROBLEM = ("city", "locality", "photo", "location", "confirmed")
_URL = re.compile(r"https?://\S+")
_COORDINATES = re.compile(r"(-?\d{1,2}\.\d+)\s*[, ]\s*(-?\d{1,3}\.\d+)")
# Which slots a correction clears, so the form asks them again.
_CORRECTIONS = {
    "complaint_type": ("complaint_type", "complaint_category"),
    "city": ("city", "locality", "locality_code", "landmark"),
    "locality": ("locality", "locality_code", "landmark"),
    "description": ("description",),
    "photo": ("photo",),
    "location": ("location",),
}


def _kept(tracker: Tracker, slot: str) -> Optional[Dict[Text, Any]]:
    """An answer to another question that happens to name this slot does not overwrite what was settled."""
    previous = conv.value_before_last_message(tracker, slot)
    if previous is not None and tracker.get_slot("requested_slot") != slot:
        return {slot: previous}
    return None


class ValidateComplaintForm(UsesServices, FormValidationAction):
    def name(self) -> Text:
        return "validate_complaint_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        # The second complaint of a message begins with what the first settled: its "/file_second_complaint" or
        # "yes" answers no question, and the validators would read it as one. Only the next question is chosen,
        # so that one not needed (the notice, once agreed to) is not asked.
        if conv.ran_since_last_message(tracker, SECOND_STARTER):
            following = await self.next_requested_slot(dispatcher, tracker, domain)
            events = [following] if following else []
        else:
            events = await super().run(dispatcher, tracker, domain)
        # Each answer restarts the quiet time after which the citizen is reminded (seva.reminders).
        try:
            self.services.reminders.touch(tracker.sender_id, tracker.get_latest_input_channel() or "unknown")
        except SQLAlchemyError:
            logger.exception("Could not note the filing of %s", masked(tracker.sender_id))
        return events

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        # The category is only asked when the citizen's words did not already tell the complaint type; the
        # privacy notice only of a citizen who has not agreed to it yet.
        skipped = {"complaint_category"} if tracker.get_slot("complaint_type") is not None else set()
        if tracker.get_slot("consent") is None and not self._notice_needed(tracker):
            skipped.add("consent")
        return [slot for slot in domain_slots if slot not in skipped]

    def _notice_needed(self, tracker: Tracker) -> bool:
        try:
            return notice_needed(self.services, tracker)
        except SQLAlchemyError:
            # Asked again rather than filed without: the agreement is recorded once the database is back.
            logger.exception("Could not read whether %s agreed to the notice", masked(tracker.sender_id))
            return True

    def validate_consent(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if value != "agreed":
            return {"consent": None}
        try:
            self.services.citizens.consent(tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not record the agreement of %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return {"consent": None}
        dispatcher.utter_message(response="utter_consent_recorded")
        return {"consent": value}

    def validate_complaint_category(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        catalogue = load_catalogue()
        code = conv.entity(tracker, "complaint_type")
        if code in catalogue.services:
            # The answer described the problem itself: no need to pick from the menu.
            return {"complaint_category": catalogue.services[code].category, "complaint_type": code}
        category = conv.entity(tracker, "complaint_category")
        if category == ALL:
            # "Another problem" under the two likeliest: every category is shown.
            return {"complaint_category": None}
        if category not in catalogue.names["categories"]:
            category = _pick(
                conv.text(tracker),
                catalogue.categories,
                lambda c: catalogue.category_name(c, conv.language(tracker)),
            )
        if category is None:
            dispatcher.utter_message(response="utter_default")
            return {"complaint_category": None}
        services = catalogue.services_in(category)
        if len(services) == 1:
            return {"complaint_category": category, "complaint_type": services[0].code}
        return {"complaint_category": category}

    def validate_complaint_type(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        catalogue = load_catalogue()
        changed = _changed_problem(tracker)
        if changed:
            service = catalogue.services[changed]
            dispatcher.utter_message(
                response="utter_problem_changed", service_name=service.name(conv.language(tracker))
            )
            return {
                "complaint_type": changed,
                "complaint_category": service.category,
                "description": conv.text(tracker),
            }
        kept = _kept(tracker, "complaint_type")
        if kept:
            return kept
        code = conv.entity(tracker, "complaint_type")
        if code not in catalogue.services and tracker.get_slot("complaint_category"):
            options = catalogue.services_in(tracker.get_slot("complaint_category"))
            chosen = _pick(conv.text(tracker), options, lambda s: s.name(conv.language(tracker)))
            code = chosen.code if chosen else None
        if code not in catalogue.services:
            if tracker.get_slot("requested_slot") == "complaint_type":
                dispatcher.utter_message(response="utter_default")
            return {"complaint_type": None}
        answered = {"complaint_type": code, "complaint_category": catalogue.services[code].category}
        if tracker.get_slot("requested_slot") in ("complaint_category", "complaint_type"):
            # Told in words when asked what the problem is: that is its description too.
            answered.update(_described(tracker))
        return answered

    def validate_city(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        catalogue = load_catalogue()
        kept = _kept(tracker, "city")
        if kept:
            return kept
        tenant_id = conv.entity(tracker, "city")
        if tenant_id not in catalogue.cities and _changed_problem(tracker):
            return {"city": None}
        if tenant_id not in catalogue.cities:
            typed = conv.text(tracker)
            match, candidates = decide(load_gazetteer().rank_cities(typed))
            if match is None:
                if candidates:
                    dispatcher.utter_message(
                        response="utter_did_you_mean_city",
                        buttons=[
                            _button(catalogue.cities[m.key].name(conv.language(tracker)), "inform", city=m.key)
                            for m in candidates
                        ],
                    )
                else:
                    dispatcher.utter_message(response="utter_unknown_city", typed=typed)
                return {"city": None}
            tenant_id = match.key
        changed = conv.value_before_last_message(tracker, "city") not in (None, tenant_id)
        reset = {"locality": None, "locality_code": None, "landmark": None} if changed else {}
        return {**reset, "city": tenant_id}

    def validate_locality(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        catalogue = load_catalogue()
        gazetteer = load_gazetteer()
        tenant_id = tracker.get_slot("city")
        if tenant_id is None:
            # Named before the town was known: ask for it again once the town is settled.
            return {"locality": None}
        kept = _kept(tracker, "locality")
        if kept:
            return kept
        if conv.pin(tracker) is not None:
            # A pin is no name of a place: it is kept as the location, and the locality asked again.
            located = self.validate_location(value, dispatcher, tracker, domain)
            return {**located, "locality": None}
        language = conv.language(tracker)
        city_name = catalogue.cities[tenant_id].name(language)

        if conv.entity(tracker, "locality_choice") == "typed" and tracker.get_slot("place_typed"):
            return _landmark(tracker.get_slot("place_typed"))
        code = conv.entity(tracker, "locality_code")
        locality = catalogue.locality(code) if code else None
        if locality and locality.tenant_id == tenant_id:
            return _locality(locality.code, locality.name_en)
        if not catalogue.localities_of(tenant_id):
            # No locality list for this town: what the citizen wrote is the best description of the place.
            return _landmark(conv.text(tracker) if tracker.get_slot("requested_slot") == "locality" else value)

        named = conv.entity(tracker, "locality")
        if not named and _changed_problem(tracker):
            # "Actually it is garbage": a change of mind about the problem, not a place; asked again.
            return {"locality": None}
        if named:
            codes = gazetteer.localities_named(tenant_id, named)
            typed = named
        else:
            typed = conv.text(tracker)
            ranked = gazetteer.rank_localities(tenant_id, typed)
            match, candidates = decide(ranked)
            if match is None and ranked and ranked[0].score >= SURE:
                # Best matches tied on one name are one name in several wards: asked about below.
                tied = {normalise(m.name) for m in ranked if m.score == ranked[0].score}
                match = ranked[0] if len(tied) == 1 else None
            if match is None:
                if candidates:
                    dispatcher.utter_message(
                        response="utter_did_you_mean_locality",
                        city_name=city_name,
                        buttons=[_locality_button(catalogue.locality(m.key), language) for m in candidates],
                    )
                    return {"locality": None, "place_typed": typed}
                dispatcher.utter_message(response="utter_landmark_kept", typed=typed, city_name=city_name)
                return _landmark(typed)
            codes = gazetteer.localities_named(tenant_id, match.name)
        places = [place for place in map(catalogue.locality, codes) if place is not None]
        if len(places) > 1:
            dispatcher.utter_message(
                response="utter_which_locality",
                city_name=city_name,
                typed=places[0].name(language),
                buttons=[_locality_button(place, language, with_where=True) for place in places],
            )
            return {"locality": None, "place_typed": typed}
        if not places:
            return _landmark(typed)
        return _locality(places[0].code, places[0].name_en)

    def validate_description(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        kept = _kept(tracker, "description")
        if kept:
            return kept
        if len(normalise(value or "").replace(" ", "")) < MIN_DESCRIPTION:
            dispatcher.utter_message(response="utter_description_too_short")
            return {"description": None}
        return {"description": value.strip()[:MAX_DESCRIPTION]}

    def extract_photo(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _answer_to(tracker, "photo", carried="image", found=_URL.search(conv.text(tracker)))

    def extract_location(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _answer_to(tracker, "location", carried="location", found=_COORDINATES.search(conv.text(tracker)))

    def validate_photo(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if value == SKIPPED:
            # Settled by the step itself (a pin instead, or a photo that opened the complaint).
            return {"photo": SKIPPED}
        if _changed_problem(tracker):
            # The problem told better (validate_complaint_type takes it); the photo is asked again.
            return {"photo": None}
        link = conv.image_uri(tracker)
        url = _URL.search(conv.text(tracker))
        link = link or (url.group(0) if url else None)
        if link and len(link) > MAX_PHOTO_LINK:
            dispatcher.utter_message(response="utter_photo_link_too_long")
            return {"photo": None}
        # One optional step: a photo, or a pin instead, or neither; the other is then not asked for.
        if link:
            return {"photo": link, **_also_done(tracker, "location")}
        if conv.pin(tracker) is not None or _COORDINATES.search(conv.text(tracker)):
            located = self.validate_location(value, dispatcher, tracker, domain)
            return {**located, "photo": SKIPPED if located.get("location") else None}
        if _is_skip(tracker):
            return {"photo": SKIPPED, **_also_done(tracker, "location")}
        dispatcher.utter_message(response="utter_photo_not_understood")
        return {"photo": None}

    def validate_location(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if value == SKIPPED:
            return {"location": SKIPPED}
        if _changed_problem(tracker):
            return {"location": None}
        pin = conv.pin(tracker)
        found = _COORDINATES.search(conv.text(tracker)) if pin is None else None
        point = (pin["latitude"], pin["longitude"]) if pin is not None else found.groups() if found else None
        if point:
            located = load_served_area().location(*point)
            if located:
                return {"location": located, **_also_done(tracker, "photo")}
            dispatcher.utter_message(response="utter_location_outside_area")
            return {"location": None}
        if _is_skip(tracker):
            return {"location": SKIPPED}
        dispatcher.utter_message(response="utter_location_not_understood")
        return {"location": None}

    def validate_confirmed(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        # A photo or a pin sent at the summary is added to the complaint, which is shown again.
        if conv.image_uri(tracker):
            return {"photo": conv.image_uri(tracker), "confirmed": None}
        if conv.pin(tracker) is not None:
            located = self.validate_location(value, dispatcher, tracker, domain)
            return {**(located if located.get("location") else {}), "confirmed": None}
        if _changed_problem(tracker):
            # The problem told better at the summary: the summary is shown again with it.
            return {"confirmed": None}
        field = conv.entity(tracker, "correction") or correction_named(conv.text(tracker))
        # "Yes, file the complaint" names the complaint too: a yes corrects only when it says to change.
        if conv.intent(tracker) == "affirm" and not conv.entity(tracker, "correction"):
            field = field if says_change(conv.text(tracker)) else None
        if field in _CORRECTIONS:
            # "ਥਾਂ ਬਦਲੋ, ਰਣਜੀਤ ਐਵੀਨਿਊ ਕਰ ਦਿਓ": the new value said in the same message is taken, else asked for.
            cleared = {slot: None for slot in _CORRECTIONS[field]}
            return {**cleared, **_new_value(field, tracker), "confirmed": None}
        if conv.intent(tracker) == "affirm":
            return {"confirmed": "yes"}
        if conv.intent(tracker) == "deny":
            dispatcher.utter_message(response="utter_ask_correction")
        return {"confirmed": None}


class ActionAskComplaintCategory(Action):
    def name(self) -> Text:
        return "action_ask_complaint_category"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        catalogue = load_catalogue()
        language = conv.language(tracker)
        choices = [c for c in tracker.latest_message.get("complaint_type_choices") or [] if c in catalogue.services]
        if len(choices) == 2:
            # Two services about as likely: one tap picks, a third shows every category.
            dispatcher.utter_message(
                response="utter_which_problem",
                buttons=[_button(catalogue.services[c].name(language), "inform", complaint_type=c) for c in choices]
                + [_button(catalogue.label("choices", "other_problem", language), "inform", complaint_category=ALL)],
            )
            return []
        dispatcher.utter_message(
            response="utter_ask_complaint_category",
            buttons=[
                _button(catalogue.category_name(c, language), "inform", complaint_category=c)
                for c in catalogue.categories
            ],
        )
        return []


class ActionAskComplaintType(Action):
    def name(self) -> Text:
        return "action_ask_complaint_type"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        catalogue = load_catalogue()
        language = conv.language(tracker)
        dispatcher.utter_message(
            response="utter_ask_complaint_type",
            buttons=[
                _button(s.name(language), "inform", complaint_type=s.code)
                for s in catalogue.services_in(tracker.get_slot("complaint_category"))
            ],
        )
        return []


class ActionAskCity(Action):
    def name(self) -> Text:
        return "action_ask_city"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        if not conv.choices_offered(tracker):
            dispatcher.utter_message(response="utter_ask_city")
        return []


class ActionAskLocality(Action):
    def name(self) -> Text:
        return "action_ask_locality"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        if not conv.choices_offered(tracker):
            city = load_catalogue().cities[tracker.get_slot("city")]
            dispatcher.utter_message(response="utter_ask_locality", city_name=city.name(conv.language(tracker)))
        return []


class ActionAskConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        if not conv.choices_offered(tracker):
            dispatcher.utter_message(response="utter_complaint_summary", **summary(tracker))
            dispatcher.utter_message(response="utter_ask_confirmed")
        return []


def _button(title: str, intent: str, **entities: str) -> Dict[str, str]:
    return {"title": title, "payload": f"/{intent}{json.dumps(entities, ensure_ascii=False)}"}


def _locality_button(locality, language: str, with_where: bool = False) -> Dict[str, str]:
    """A locality to pick; one of several of the same name is told by the colonies next to it (else its ward)."""
    catalogue = load_catalogue()
    title = locality.name(language)
    neighbours = [n.name(language) for n in map(catalogue.locality, locality.neighbours) if n is not None]
    if with_where and neighbours:
        near = catalogue.label("choices", "near", language)
        title = near.format(name=title, neighbours=", ".join(neighbours))
    elif with_where and locality.where:
        title = f"{title} ({locality.where})"
    return _button(title, "inform", locality_code=locality.code)


def _locality(code: str, name: str) -> Dict[Text, Any]:
    return {"locality": name, "locality_code": code, "landmark": None, "place_typed": None}


def _landmark(typed: str) -> Dict[Text, Any]:
    # The summary shows the citizen the place as it will be kept.
    typed = " ".join((typed or "").split())[:MAX_PLACE]
    return {"locality": typed or None, "locality_code": None, "landmark": typed or None, "place_typed": None}


def _pick(typed: str, options: List[Any], name_of) -> Any:
    """An option chosen by its number in the list, or by (roughly) its name."""
    typed = normalise(typed)
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1]
    scored = [(fuzz.WRatio(typed, normalise(name_of(o))), o) for o in options] if typed else []
    scored.sort(key=lambda pair: -pair[0])
    return scored[0][1] if scored and scored[0][0] >= 80 else None


def _new_value(field: str, tracker: Tracker) -> Dict[Text, Any]:
    """The new value of the part being corrected, when the correction names it too and it is not in doubt."""
    catalogue = load_catalogue()
    text, tenant_id = conv.text(tracker), tracker.get_slot("city")
    if field == "complaint_type":
        code = conv.entity(tracker, "complaint_type")
        if code in catalogue.services and code != tracker.get_slot("complaint_type"):
            return {"complaint_type": code, "complaint_category": catalogue.services[code].category}
    if field == "city":
        city = conv.entity(tracker, "city")
        if city in catalogue.cities:
            return {"city": city}
    if field == "locality" and tenant_id:
        gazetteer = load_gazetteer()
        names = {normalise(m.name) for m in gazetteer.find_localities(tenant_id, text)}
        codes = gazetteer.localities_named(tenant_id, names.pop()) if len(names) == 1 else []
        if len(codes) == 1:
            place = catalogue.locality(codes[0])
            return _locality(place.code, place.name_en) if place else {}
    return {}


def _described(tracker: Tracker) -> Dict[Text, Any]:
    """The answer as the complaint's description, when it says enough to be one and none is kept yet."""
    text = conv.text(tracker).strip()
    if tracker.get_slot("description") is None and len(text.split()) >= conv.DESCRIPTIVE_WORDS:
        return {"description": text[:MAX_DESCRIPTION]}
    return {}


def _also_done(tracker: Tracker, other: str) -> Dict[Text, Any]:
    """The photo and the pin are one optional step: once one is answered, the other is not asked (a correction at
    the summary can still ask it)."""
    return {other: SKIPPED} if tracker.get_slot(other) is None else {}


def _changed_problem(tracker: Tracker) -> Optional[str]:
    """The service of a complaint the citizen now describes instead of the one settled, once asked for a place, a
    photo or to confirm ("actually it is not the light, it is garbage"; a vague first message told better), or
    None. A correction at the summary ("change the problem to garbage") is no description: it is handled there."""
    asked = tracker.get_slot("requested_slot")
    if asked not in _AFTER_THE_PROBLEM or conv.intent(tracker) != "file_complaint":
        return None
    if asked == "confirmed" and (correction_named(conv.text(tracker)) or says_change(conv.text(tracker))):
        return None
    code = conv.entity(tracker, "complaint_type")
    settled = conv.value_before_last_message(tracker, "complaint_type")
    return code if code in load_catalogue().services and settled not in (None, code) else None


def _answer_to(tracker: Tracker, slot: str, carried: str, found: Any) -> Dict[Text, Any]:
    """The latest message as the answer to an optional question, unless it asks for something else."""
    if tracker.get_slot("requested_slot") != slot:
        return {}
    # A skip word skips, however the message was read (ਛੱਡੋ is also "drop it", which would cancel the complaint).
    answered = conv.metadata(tracker).get(carried) or found or is_skip_word(conv.text(tracker))
    if answered or conv.intent(tracker) not in _INTERRUPTIONS:
        return {slot: conv.text(tracker) or carried}
    return {}


def _is_skip(tracker: Tracker) -> bool:
    return conv.intent(tracker) in ("skip", "deny") or is_skip_word(conv.text(tracker))
