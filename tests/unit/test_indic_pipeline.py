"""Hindi and Punjabi text through the real NLU components: words stay whole, places are found in any script."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.gazetteer import CatalogueEntityExtractor
from components.intent_classifier import TextIntentClassifier
from seva.matching import load_gazetteer

HINDI = "मेरी गली में कूड़ा नहीं उठाया गया"
PUNJABI = "ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ"
INDIC_EXAMPLES = [
    (HINDI, "file_complaint"),
    ("गली में कूड़ा पड़ा है", "file_complaint"),
    ("कूड़ा नहीं उठाया तीन दिन से", "file_complaint"),
    (PUNJABI, "file_complaint"),
    ("ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਨਹੀਂ ਚੁੱਕਿਆ", "file_complaint"),
    ("ਕੂੜਾ ਪਿਆ ਹੈ ਤਿੰਨ ਦਿਨਾਂ ਤੋਂ", "file_complaint"),
    ("नमस्ते जी", "greet"),
    ("नमस्कार", "greet"),
    ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ", "greet"),
    ("ਨਮਸਤੇ ਜੀ", "greet"),
]


def trained(component_class, examples, tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    data = TrainingData([Message(data={"text": text, "intent": intent}) for text, intent in examples])
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("tokenizer"), context
    )
    tokenizer.process_training_data(data)
    component = component_class.create(
        component_class.get_default_config(), storage, Resource(component_class.__name__), context
    )
    component.train(data)
    return component


def test_rasas_word_count_vectors_break_indic_words_which_is_why_we_do_not_use_them(tmp_path):
    featurizer = trained(CountVectorsFeaturizer, [(HINDI, "file_complaint")], tmp_path)
    vocabulary = set(featurizer.vectorizers["text"].vocabulary_)
    assert "कूड़ा" not in vocabulary and "गल" in vocabulary


def test_our_intent_classifier_keeps_hindi_and_punjabi_words_whole(tmp_path):
    classifier = trained(TextIntentClassifier, INDIC_EXAMPLES, tmp_path)
    words = set(classifier._models["intents"].named_steps["features"].transformer_list[1][1].vocabulary_)
    assert {"मेरी", "गली", "में", "कूड़ा", "नहीं", "उठाया", "गया"} <= words
    assert {"ਮੇਰੀ", "ਗਲੀ", "ਵਿੱਚ", "ਕੂੜਾ", "ਪਿਆ", "ਹੈ"} <= words
    assert "गल" not in words and "ਗਲ" not in words


@pytest.mark.parametrize(
    "text, intent",
    [
        ("हमारी गली का कूड़ा कोई नहीं उठाता", "file_complaint"),
        ("नमस्ते", "greet"),
        ("ਸਾਡੀ ਗਲੀ ਦਾ ਕੂੜਾ ਕੋਈ ਨਹੀਂ ਚੁੱਕਦਾ", "file_complaint"),
        ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "greet"),
    ],
)
def test_our_intent_classifier_understands_unseen_indic_sentences(tmp_path, text, intent):
    classifier = trained(TextIntentClassifier, INDIC_EXAMPLES, tmp_path)
    message = Message(data={"text": text})
    classifier.process([message])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize(
    "text, city",
    [
        ("ਜਲੰਧਰ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ", "pb.jalandhar"),
        ("जालंधर में कूड़ा पड़ा है", "pb.jalandhar"),
        ("ਅੰਮ੍ਰਿਤਸਰ ਦੀ ਗਲੀ ਵਿੱਚ ਲਾਈਟ ਖਰਾਬ", "pb.amritsar"),
        ("ज़ीरकपुर में पानी नहीं आ रहा", "pb.zirakpur"),
        ("gali vich kooda pya hai jalandhar", "pb.jalandhar"),
    ],
)
def test_towns_are_found_in_every_script(text, city):
    entities = CatalogueEntityExtractor(load_gazetteer()).extract(text)
    assert [e["value"] for e in entities if e["entity"] == "city"] == [city]


def test_a_language_named_in_its_own_script_is_found():
    extractor = CatalogueEntityExtractor(load_gazetteer())
    assert [e["value"] for e in extractor.extract("ਪੰਜਾਬੀ ਵਿੱਚ ਗੱਲ ਕਰੋ")] == ["pa"]
    assert [e["value"] for e in extractor.extract("हिंदी में बात करो")] == ["hi"]
