"""Text features whose vocabulary and IDF also learn from unlabelled texts.

A model learns its classes from a few hundred or thousand labelled samples, but which
character n-grams are common (low IDF) and which are telling can be read from every text of
the same kind, labelled or not: the TF-IDF is fitted on the training texts plus `background`
texts, the classifier on the labelled ones only. On the 泰迪杯 messages this lifts top-1 of
the 7 classes from 0.84 to 0.86–0.87 (495 labelled messages, 9,600 unlabelled ones).

Imports scikit-learn: `learn` imports this module only when it builds a pipeline, and
unpickling a stored model imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer


class BackgroundTfidf(TransformerMixin, BaseEstimator):
    """Character 1–2-gram TF-IDF (sublinear) fitted on the texts it is fitted on plus
    `background` texts. The background serves fitting only: a pickled (stored) transformer
    does not carry it."""

    def __init__(self, background: Sequence[str] = (), max_features: int = 60_000) -> None:
        self.background = background
        self.max_features = max_features

    def fit(self, x: Any, y: Any = None) -> BackgroundTfidf:
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            max_features=self.max_features,
            dtype=np.float32,
        )
        vectorizer.fit([*x, *self.background])
        self.vectorizer_ = vectorizer
        return self

    def transform(self, x: Any) -> Any:
        return self.vectorizer_.transform(x)

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        return self.vectorizer_.get_feature_names_out()

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state["background"] = ()
        return state
