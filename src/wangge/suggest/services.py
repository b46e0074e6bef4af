"""Dispatch suggestions: learn from the platform's closed events, suggest for an open one.

`train()` fits two models on the latest closed events — text → category, and category + area
+ text → the lead department of the event's work orders — scores each by cross-validation
and stores them as a new `SuggestionModel` version. The texts of the latest events that are
not closed (open, rejected, merged, cancelled: no answer to learn from) are read unlabelled,
for the text features' vocabulary and IDF only. `suggest_for(event)` ranks the likeliest
categories and departments with their probabilities; when no model exists or the best
department's probability is under WANGGE_SUGGEST_MIN_CONFIDENCE, the routing rule's lead is
the one proposed (`Suggestions.lead`).
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.errors import DomainError
from wangge.events import routing
from wangge.events.models import (
    Category,
    Department,
    Event,
    OrderRole,
    OrderStatus,
    Status,
    WorkOrder,
)
from wangge.suggest import learn
from wangge.suggest.models import SuggestionModel

logger = logging.getLogger(__name__)

MIN_CLASSES = 2


# -- training ------------------------------------------------------------------------------
@dataclass
class TrainingSet:
    texts: list[tuple[str, str]] = field(default_factory=list)  # (title, title + description)
    categories: list[str] = field(default_factory=list)
    department_rows: list[tuple[str, str, str]] = field(default_factory=list)  # … + context
    departments: list[str] = field(default_factory=list)
    background: list[tuple[str, str]] = field(default_factory=list)  # unlabelled texts


def event_text(event: Event) -> tuple[str, str]:
    return learn.clean_text(event.title), learn.clean_text(event.title, event.description)


def event_context(event: Event) -> str:
    category = event.category
    parent = category.parent.code if category.parent_id and category.parent else ""
    return learn.context_tokens([category.code, parent], _area_codes(event.area.path))


def _area_codes(path: str) -> list[str]:
    return [code for code in path.split("/") if code]


def training_set(limit: int | None = None) -> TrainingSet:
    """The latest closed events (at most `limit`) and the lead department each was handled
    by (events the grid settled itself have none and teach only the category); the texts of
    the latest events not closed (at most `limit`) as unlabelled background."""
    limit = limit or settings.WANGGE_SUGGEST_MAX_SAMPLES
    events = list(
        Event.objects.filter(status=Status.CLOSED)
        .order_by("-closed_at", "-pk")
        .values(
            "pk", "title", "description", "category__code", "category__parent__code", "area__path"
        )[:limit]
    )
    leads: dict[int, str] = {}
    orders = (
        WorkOrder.objects.filter(event_id__in=[e["pk"] for e in events], role=OrderRole.LEAD)
        .exclude(status__in=[OrderStatus.RETURNED, OrderStatus.CANCELLED])
        .order_by("id")
        .values_list("event_id", "department__code")
    )
    for event_id, department in orders:
        leads[event_id] = department  # the latest lead order stands
    data = TrainingSet()
    for e in events:
        text = learn.clean_text(e["title"]), learn.clean_text(e["title"], e["description"])
        data.texts.append(text)
        data.categories.append(e["category__code"])
        if e["pk"] in leads:
            context = learn.context_tokens(
                [e["category__code"], e["category__parent__code"] or ""],
                _area_codes(e["area__path"]),
            )
            data.department_rows.append((*text, context))
            data.departments.append(leads[e["pk"]])
    others = (
        Event.objects.exclude(status=Status.CLOSED)
        .order_by("-reported_at", "-pk")
        .values_list("title", "description")[:limit]
    )
    data.background = [
        (learn.clean_text(title), learn.clean_text(title, description))
        for title, description in others
    ]
    return data


def train(*, limit: int | None = None) -> SuggestionModel:
    """Fit, score and store a new model version; DomainError when there is too little to
    learn from (the models in use stay)."""
    import sklearn

    started = time.monotonic()
    data = training_set(limit)
    minimum = settings.WANGGE_SUGGEST_MIN_SAMPLES
    keep = learn.learnable(data.categories)
    texts = learn.rows([data.texts[i] for i in keep])
    categories = [data.categories[i] for i in keep]
    if len(texts) < minimum or len(set(categories)) < MIN_CLASSES:
        raise DomainError.one(
            _(
                "Too few closed events to learn from: %(n)s in %(k)s categories with at "
                "least %(each)s each (at least %(min)s in two such categories are needed)."
            )
            % {
                "n": len(texts),
                "k": len(set(categories)),
                "each": learn.MIN_CLASS_SAMPLES,
                "min": minimum,
            },
            code="too_few",
            status=409,
        )
    key = settings.SECRET_KEY
    category = learn.category_pipeline(data.background)
    category_scores = learn.cross_validate(category, texts, categories)
    category_blob = learn.dump(learn.fit(category, texts, categories))
    department_scores: learn.Scores | None = None
    department_blob: bytes | None = None
    keep = learn.learnable(data.departments)
    departments = [data.departments[i] for i in keep]
    if len(departments) >= minimum and len(set(departments)) >= MIN_CLASSES:
        rows = learn.rows([data.department_rows[i] for i in keep])
        department = learn.department_pipeline(data.background)
        department_scores = learn.cross_validate(department, rows, departments)
        department_blob = learn.dump(learn.fit(department, rows, departments))
    with transaction.atomic():
        version = (SuggestionModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        model = SuggestionModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            seconds=round(time.monotonic() - started, 2),
            sklearn_version=sklearn.__version__,
            category_samples=len(texts),
            category_classes=len(set(categories)),
            category_accuracy=category_scores.top1,
            category_top3=category_scores.top3,
            category_blob=category_blob,
            category_signature=learn.signature(category_blob, key),
            department_samples=len(departments),
            department_classes=len(set(departments)),
            department_accuracy=department_scores.top1 if department_scores else None,
            department_top3=department_scores.top3 if department_scores else None,
            department_blob=department_blob,
            department_signature=learn.signature(department_blob, key) if department_blob else "",
        )
        kept = settings.WANGGE_SUGGEST_KEEP_VERSIONS
        SuggestionModel.objects.filter(version__lte=version - kept).delete()
    return model


# -- the model in use ----------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    pk: int
    signature: str  # of the category pipeline: tells this row's content from any other
    version: int
    category_accuracy: float | None
    department_accuracy: float | None
    category: Any  # fitted pipelines
    department: Any | None


_loaded: Loaded | None = None
_lock = threading.Lock()


def current_model() -> Loaded | None:
    """The newest model, unpickled once per process and version; None when there is none or
    its signature does not match (then it is logged and never loaded)."""
    global _loaded
    latest = (
        SuggestionModel.objects.order_by("-version").values_list("pk", "category_signature").first()
    )
    if latest is None:
        return None
    with _lock:
        if _loaded is not None and (_loaded.pk, _loaded.signature) == latest:
            return _loaded
        row = SuggestionModel.objects.filter(pk=latest[0]).first()
        if row is None:
            return None
        key = settings.SECRET_KEY
        try:
            department = None
            if row.department_blob:
                department = learn.load(bytes(row.department_blob), row.department_signature, key)
            _loaded = Loaded(
                pk=row.pk,
                signature=row.category_signature,
                version=row.version,
                category_accuracy=row.category_accuracy,
                department_accuracy=row.department_accuracy,
                category=learn.load(bytes(row.category_blob), row.category_signature, key),
                department=department,
            )
        except learn.UntrustedModel:
            logger.error("suggestion model v%s: signature mismatch; not loaded", row.version)
            return None
        return _loaded


def warm_up_in_background() -> threading.Thread | None:
    """Load the current model in a thread of its own (see SuggestConfig.ready); None when
    the settings turn it off (the tests, which load what they train)."""
    if not settings.WANGGE_SUGGEST_WARM_UP:
        return None

    def run() -> None:
        from django.db import connection

        started = time.monotonic()
        try:
            loaded = current_model()
        except Exception:  # a warm-up failing must not take anything down; first use retries
            logger.exception("suggestion model warm-up failed")
        else:
            if loaded is not None:
                logger.info(
                    "suggestion model v%s loaded in %.1f s",
                    loaded.version,
                    time.monotonic() - started,
                )
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="suggest-warm-up", daemon=True)
    thread.start()
    return thread


# -- suggesting ----------------------------------------------------------------------------
class Basis:
    MODEL = "model"  # the model is confident: its first department is proposed
    LOW_CONFIDENCE = "low_confidence"  # the routing rule's lead is proposed
    NO_MODEL = "no_model"  # likewise


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class Suggestions:
    basis: str
    threshold: float
    model_version: int | None = None
    category_accuracy: float | None = None
    department_accuracy: float | None = None
    categories: list[Suggestion] = field(default_factory=list)
    departments: list[Suggestion] = field(default_factory=list)
    routing: Department | None = None  # the routing rule's lead
    lead: Department | None = None  # the department to propose

    @property
    def confident(self) -> bool:
        return self.basis == Basis.MODEL


def _returned_codes(event: Event) -> set[str]:
    """Departments that returned a work order of this event (退回): never proposed again."""
    if event.pk is None:
        return set()
    return set(
        WorkOrder.objects.filter(event_id=event.pk, status=OrderStatus.RETURNED).values_list(
            "department__code", flat=True
        )
    )


def suggest_for(event: Event) -> Suggestions:
    """What to propose for the event. A model's department under the threshold is listed,
    never proposed (the routing rule's is); a department that returned the event is neither."""
    threshold = settings.WANGGE_SUGGEST_MIN_CONFIDENCE
    returned = _returned_codes(event)
    by_rule = routing.suggest_lead(event)
    if by_rule is not None and by_rule.code in returned:
        by_rule = None
    model = current_model()
    if model is None:
        return Suggestions(basis=Basis.NO_MODEL, threshold=threshold, routing=by_rule, lead=by_rule)
    text = event_text(event)
    categories = _named(
        learn.ranked(model.category, learn.rows([text]), k=len(model.category.classes_)),
        {c.code: c.name for c in Category.objects.filter(active=True)},
    )
    departments: list[Suggestion] = []
    if model.department is not None:
        rows = learn.rows([(*text, event_context(event))])
        active = {
            d.code: d for d in Department.objects.filter(active=True).exclude(code__in=returned)
        }
        departments = _named(
            learn.ranked(model.department, rows, k=len(model.department.classes_)),
            {code: d.name for code, d in active.items()},
        )
    confident = bool(departments) and departments[0].confidence >= threshold
    return Suggestions(
        basis=Basis.MODEL if confident else Basis.LOW_CONFIDENCE,
        threshold=threshold,
        model_version=model.version,
        category_accuracy=model.category_accuracy,
        department_accuracy=model.department_accuracy,
        categories=categories,
        departments=departments,
        routing=by_rule,
        lead=Department.objects.get(code=departments[0].code) if confident else by_rule,
    )


def _named(ranked: list[tuple[str, float]], names: dict[str, str]) -> list[Suggestion]:
    """The first three labels still in use, with their names."""
    found = [Suggestion(code, names[code], p) for code, p in ranked if code in names]
    return found[: learn.TOP_K]
