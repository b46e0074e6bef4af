"""The JSON API (OpenAPI at /api/docs): one NinjaAPI, one error shape."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from wangge.accounts.views import docs_for_users
from wangge.errors import DomainError, Problem
from wangge.inputs import find_problem


class CheckedParser(Parser):
    """JSON bodies as ninja reads them, refused (422, naming the field) when any text in them
    holds what no field may (NUL, a lone surrogate, control characters): see inputs.py."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        found = find_problem(data)
        if found is not None:
            path, reason = found
            raise DomainError([Problem(reason, field=path, code="invalid_text")], status=422)
        return data


api = NinjaAPI(
    title="Wangge API",
    version="1",
    description="网格化社会治理平台 API. Errors: {errors: [{item, field, code, message}]}.",
    auth=django_auth,
    urls_namespace="api",
    docs_decorator=docs_for_users,  # the document and its page only for logged-in users
    parser=CheckedParser(),
)


def error_response(request: HttpRequest, problems: list[Problem], status: int) -> HttpResponse:
    return api.create_response(request, {"errors": [p.as_dict() for p in problems]}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(request, exc.problems, exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


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


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals in the one shape: a body that is not JSON (422), a failed CSRF
    check (403), and any other it raises."""
    if isinstance(exc.__cause__, DomainError):  # the parser's refusal, re-raised by ninja
        return error_response(request, exc.__cause__.problems, exc.__cause__.status)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        problem = Problem(_("The body is not valid JSON."), code="unparseable")
        return error_response(request, [problem], 422)
    if exc.status_code == 403 and "CSRF" in str(exc):
        problem = Problem(_("CSRF check failed: reload the page and try again."), code="csrf")
        return error_response(request, [problem], 403)
    return error_response(request, [Problem(str(exc), code="http")], exc.status_code)


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
    "notices",
    "stats",
    "stats.assessment",
    "web",
]


def register_routers() -> None:
    import importlib

    for app in APP_ROUTERS:
        api.add_router("/", importlib.import_module(f"wangge.{app}.api").router)


register_routers()
