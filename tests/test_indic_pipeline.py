"""Hindi and Punjabi text through the real NLU components: words stay whole, places are found in any script."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.matching import load_gazetteer
from components.gazetteer import CatalogueEntityExtractor
from components.whole_words import WholeWordCountVectorsFeaturizer

HINDI = "मेरी गली में कूड़ा नहीं उठाया गया"
PUNJABI = "ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ"


def vocabulary_of(featurizer_class, texts, tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer.create(WhitespaceTokenizer.get_default_config(), storage,
                                           Resource("tokenizer"), context)
    data = TrainingData([Message(data={"text": t, "intent": "file_complaint"}) for t in texts])
    tokenizer.process_training_data(data)
    featurizer = featurizer_class.create(featurizer_class.get_default_config(), storage,
                                         Resource("featurizer"), context)
    featurizer.train(data)
    return set(featurizer.vectorizers["text"].vocabulary_)


def test_the_stock_featurizer_breaks_indic_words(tmp_path):
    vocabulary = vocabulary_of(CountVectorsFeaturizer, [HINDI], tmp_path)
    assert "कूड़ा" not in vocabulary and "गल" in vocabulary


def test_our_featurizer_keeps_hindi_and_punjabi_words_whole(tmp_path):
    vocabulary = vocabulary_of(WholeWordCountVectorsFeaturizer, [HINDI, PUNJABI, "garbage not picked"], tmp_path)
    assert {"मेरी", "गली", "में", "कूड़ा", "नहीं", "उठाया", "गया"} <= vocabulary
    assert {"ਮੇਰੀ", "ਗਲੀ", "ਵਿੱਚ", "ਕੂੜਾ", "ਪਿਆ", "ਹੈ"} <= vocabulary
    assert {"garbage", "not", "picked"} <= vocabulary
    assert "गल" not in vocabulary and "ਗਲ" not in vocabulary


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
