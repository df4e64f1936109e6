"""Rasa's CountVectorsFeaturizer, with words kept whole in Devanagari and Gurmukhi.

The stock featurizer joins the tokenizer's tokens and splits them again with scikit-learn's `(?u)\\b\\w+\\b`,
applied with Python's `re`, for which vowel signs and the virama are not word characters: मेरी गली में कूड़ा
becomes म, र, गल, क, ड and unrelated words collide. The tokenizer (WhitespaceTokenizer, which uses the
`regex` module) already split the text into words, so here the joined tokens are split on whitespace only.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from sklearn.feature_extraction.text import CountVectorizer

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

WHOLE_TOKENS = r"(?u)\S+"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class WholeWordCountVectorsFeaturizer(CountVectorsFeaturizer):
    @classmethod
    def _create_shared_vocab_vectorizers(
        cls, parameters: Dict[Text, Any], vocabulary: Optional[Any] = None
    ) -> Dict[Text, CountVectorizer]:
        return _whole_words(super()._create_shared_vocab_vectorizers(parameters, vocabulary))

    @classmethod
    def _create_independent_vocab_vectorizers(
        cls, parameters: Dict[Text, Any], vocabulary: Optional[Any] = None
    ) -> Dict[Text, CountVectorizer]:
        return _whole_words(super()._create_independent_vocab_vectorizers(parameters, vocabulary))


def _whole_words(vectorizers: Dict[Text, CountVectorizer]) -> Dict[Text, CountVectorizer]:
    for vectorizer in vectorizers.values():
        if vectorizer.analyzer == "word":
            vectorizer.token_pattern = WHOLE_TOKENS
    return vectorizers
