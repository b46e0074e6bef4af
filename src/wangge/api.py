"""The JSON API (OpenAPI at /api/docs): one NinjaAPI, one error shape."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from wangge.errors import DomainError, Problem

api = NinjaAPI(
    title="Wangge API",
    version="1",
    description="网格化社会治理平台 API. Errors: {errors: [{item, field, code, message}]}.",
    auth=django_auth,
    urls_namespace="api",
)


def error_response(request: HttpRequest, problems: list[Problem], status: int) -> HttpResponse:
    return api.create_response(request, {"errors": [p.as_dict() for p in problems]}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.problems, exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        loc: list[Any] = [part for part in error.get("loc", ()) if part not in ("query", "body")]
        problems.append(
            Problem(
                error.get("msg", _("invalid value")),
                field=".".join(str(p) for p in loc),
                code=str(error.get("type", "invalid")),
            )
        )
    return error_response(request, problems, 422)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, [Problem(_("Log in first."), code="unauthenticated")], status=401
    )


APP_ROUTERS = [
    "regions",
    "events",
    "intake",
    "portal",
    "suggest",
    "people",
    "fieldwork",
    "stats",
    "stats.assessment",
]


def register_routers() -> None:
    import importlib

    for app in APP_ROUTERS:
        api.add_router("/", importlib.import_module(f"wangge.{app}.api").router)


register_routers()
