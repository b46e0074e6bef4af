"""Dispatch suggestions over HTTP, scoped like event reads."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from wangge.events import selectors
from wangge.suggest.services import Suggestion, suggest_for

router = Router(tags=["suggest"])


class SuggestionOut(Schema):
    code: str
    name: str
    confidence: float


class SuggestionsOut(Schema):
    event: str
    basis: str  # model | low_confidence | no_model
    threshold: float
    model_version: int | None
    category_accuracy: float | None
    department_accuracy: float | None
    categories: list[SuggestionOut]
    departments: list[SuggestionOut]
    routing_lead: str | None  # the routing rule's department
    lead: str | None  # the department proposed: the model's first when confident, else routing's


def _out(items: list[Suggestion]) -> list[dict[str, Any]]:
    return [{"code": s.code, "name": s.name, "confidence": round(s.confidence, 4)} for s in items]


@router.get(
    "/events/{code}/suggestions",
    response=SuggestionsOut,
    summary="The likeliest categories and lead departments for an event, with confidence",
)
def event_suggestions(request: HttpRequest, code: str) -> dict[str, Any]:
    event = selectors.event_get(user=request.user, code=code)
    found = suggest_for(event)
    return {
        "event": event.code,
        "basis": found.basis,
        "threshold": found.threshold,
        "model_version": found.model_version,
        "category_accuracy": found.category_accuracy,
        "department_accuracy": found.department_accuracy,
        "categories": _out(found.categories),
        "departments": _out(found.departments),
        "routing_lead": found.routing.code if found.routing else None,
        "lead": found.lead.code if found.lead else None,
    }
