"""The learning itself, free of the database: pipelines, cross-validated accuracy, and the
signed serialization of fitted pipelines.

Chinese has no spaces between words; instead of a segmentation dictionary the text is cut
into overlapping character 1–2-grams (TF-IDF weighted, sublinear), which carry most of the
words' signal (3-grams measured worse on the 泰迪杯 messages: too many features for the
samples). The title gets features of its own beside those of title + description: a short
summary is not drowned by a long description (0.82 → 0.84 top-1 on the 泰迪杯 classes).
The vocabulary and IDF are fitted on the training texts plus unlabelled `background` texts
of the same kind when given (`features.BackgroundTfidf`; in `services.train` the platform's
events that are not training samples): 0.84 → 0.86–0.87 top-1 on the 泰迪杯 classes.
A linear SVM does the ranking; its scores become probabilities by sigmoid calibration on 3
internal folds, so suggestions can be thresholded. A label seen fewer than MIN_CLASS_SAMPLES
times is not learned (too rare to suggest, and to calibrate).

The department model reads, besides the texts, a third column of whitespace-separated
context tokens: the event's category and its parent, and every area of its chain, so a
department that serves one street or one kind of case is learned as such.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

# scikit-learn takes seconds to import: web processes load it only when they first suggest.
if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    from wangge.suggest.features import BackgroundTfidf

# Bounds the model's size (coefficients are classes × features) whatever the history holds.
MAX_FEATURES = 60_000
TOP_K = 3
FOLDS = 5
CALIBRATION_FOLDS = 3
# At least this many samples of a label to learn it: each of the FOLDS training parts then
# still holds CALIBRATION_FOLDS + 1 of it.
MIN_CLASS_SAMPLES = 5
_SPACE = re.compile(r"\s+")


def clean_text(*parts: str) -> str:
    """Title and description as one line: the sources pad texts with tabs and newlines."""
    return _SPACE.sub(" ", " ".join(p for p in parts if p)).strip()


Background = Sequence[tuple[str, str]]  # unlabelled (title, title + description) rows


def _text_features(background: Sequence[str]) -> BackgroundTfidf:
    from wangge.suggest.features import BackgroundTfidf

    return BackgroundTfidf(background=tuple(background), max_features=MAX_FEATURES)


def _classifier() -> CalibratedClassifierCV:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    return CalibratedClassifierCV(
        LinearSVC(C=10.0, max_iter=5000), method="sigmoid", cv=CALIBRATION_FOLDS
    )


def _texts(background: Background) -> list[tuple[str, Any, int]]:
    return [
        ("title", _text_features([title for title, _text in background]), 0),
        ("text", _text_features([text for _title, text in background]), 1),
    ]


def category_pipeline(background: Background = ()) -> Pipeline:
    """(title, title + description) rows → category; `background`: unlabelled rows that
    the text features are fitted on besides the training rows."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    features = ColumnTransformer(_texts(background))
    return Pipeline([("features", features), ("model", _classifier())])


def department_pipeline(background: Background = ()) -> Pipeline:
    """(title, title + description, context tokens) rows → department."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import Pipeline

    # token_pattern is a regular expression, not a password (S106)
    context = CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True)  # noqa: S106
    features = ColumnTransformer([*_texts(background), ("context", context, 2)])
    return Pipeline([("features", features), ("model", _classifier())])


def rows(samples: Sequence[tuple[str, ...]]) -> np.ndarray:
    """The pipelines' input: one row of strings per sample."""
    width = len(samples[0]) if samples else 0
    array = np.empty((len(samples), width), dtype=object)
    for i, sample in enumerate(samples):
        array[i, :] = sample
    return array


def context_tokens(category_codes: Sequence[str], area_codes: Sequence[str]) -> str:
    return " ".join([f"c:{c}" for c in category_codes if c] + [f"a:{a}" for a in area_codes])


def learnable(labels: Sequence[str]) -> list[int]:
    """Indexes of the samples whose label is frequent enough to learn."""
    counts = Counter(labels)
    return [i for i, label in enumerate(labels) if counts[label] >= MIN_CLASS_SAMPLES]


@dataclass(frozen=True)
class Scores:
    """Cross-validated accuracy: the true label first (top-1) or among the first three."""

    top1: float
    top3: float
    folds: int
    samples: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "folds": self.folds,
            "samples": self.samples,
        }


def cross_validate(pipeline: Pipeline, x: Any, y: Sequence[str], folds: int = FOLDS) -> Scores:
    """k-fold cross-validated top-1 and top-3 accuracy (stratified when every class has
    enough samples for it; shuffled, seeded folds either way). Give learnable samples only."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.asarray(y)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        proba = cross_val_predict(pipeline, x, labels, cv=splitter, method="predict_proba")
    classes = np.unique(labels)
    ranked = classes[np.argsort(-proba, axis=1)[:, :TOP_K]]
    top1 = float(np.mean(ranked[:, 0] == labels))
    top3 = float(np.mean((ranked == labels[:, None]).any(axis=1)))
    return Scores(top1=top1, top3=top3, folds=folds, samples=len(labels))


def fit(pipeline: Pipeline, x: Any, y: Sequence[str]) -> Pipeline:
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        pipeline.fit(x, np.asarray(y))
    return pipeline


def ranked(pipeline: Pipeline, x: Any, k: int = TOP_K) -> list[tuple[str, float]]:
    """The k likeliest labels of one sample with their probabilities, likeliest first."""
    proba = pipeline.predict_proba(x)[0]
    order = np.argsort(-proba)[:k]
    classes = pipeline.classes_
    return [(str(classes[i]), float(proba[i])) for i in order]


# -- storage -------------------------------------------------------------------------------
class UntrustedModel(Exception):
    """A stored model whose signature does not match: it is never unpickled."""


def signature(blob: bytes, key: str) -> str:
    return hmac.new(key.encode(), b"wangge.suggest.model\0" + blob, hashlib.sha256).hexdigest()


def dump(pipeline: Pipeline) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def load(blob: bytes, expected_signature: str, key: str) -> Pipeline:
    """Unpickle a pipeline only when it carries the platform's own signature (pickles can run
    code: a row written by anything but the training service is refused)."""
    if not hmac.compare_digest(signature(blob, key), expected_signature):
        raise UntrustedModel("the stored model's signature does not match")
    import joblib

    pipeline: Pipeline = joblib.load(io.BytesIO(blob))
    return pipeline
