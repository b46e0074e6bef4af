"""GeoReport v2 endpoints: each parses, calls a service or selector, and answers in the
format its URL ends with. Every refusal is the spec's error list with the right status."""

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wangge.accounts import ratelimit
from wangge.decoding import unstorable
from wangge.errors import DomainError
from wangge.intake.orders import UNSTORABLE
from wangge.open311 import documents, selectors, services
from wangge.open311.formats import errors, respond

QUERY_FIELDS = ("api_key", "jurisdiction_id")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Our field names where they differ from the spec's.
SPEC_FIELDS = {"lon": "long"}

View = Callable[..., HttpResponse]


def _refusal(fmt: str, refused: DomainError) -> HttpResponse:
    descriptions = []
    for problem in refused.problems:
        field = SPEC_FIELDS.get(problem.field, problem.field)
        descriptions.append(f"{field}: {problem.message}" if field else problem.message)
    return errors(fmt, refused.status, descriptions)


def endpoint(*methods: str) -> Callable[[View], View]:
    """The shared frame: allowed methods, the jurisdiction_id check, errors in the spec's
    format (DomainError → 4xx, unreadable bodies → 400)."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = errors(fmt, 405, [_("Use %(m)s here.") % {"m": " or ".join(methods)}])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_text(request, kwargs)
                services.check_jurisdiction(request.GET.get("jurisdiction_id"))
                return view(request, fmt, **kwargs)
            except DomainError as refused:
                return _refusal(fmt, refused)
            except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent):
                return errors(fmt, 400, [_("The request body cannot be read.")])

        return run

    return wrap


def _check_text(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Refuse, naming the field, text that cannot be stored or looked up (NUL, which
    PostgreSQL refuses; lone surrogates) in the path, the query or the form."""
    given: list[tuple[str, list[str]]] = [(k, [str(v)]) for k, v in kwargs.items()]
    given += list(request.GET.lists())
    if request.method == "POST" and request.content_type in FORM_TYPES:
        given += list(request.POST.lists())
    for key, values in given:
        for text in (key, *values):
            if why := unstorable(text):
                raise DomainError.one(
                    str(UNSTORABLE[why]),
                    field=key if unstorable(key) is None else "",
                    code=why,
                )


def _params(request: HttpRequest) -> dict[str, str]:
    return {key: (request.GET.get(key) or "").strip() for key in request.GET}


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:root"))
    return respond(fmt, "discovery", documents.discovery(url))


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    data = [documents.service(c, asks) for c, asks in services.services_with_metadata()]
    return respond(fmt, "services", data)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = services.service(code)
    data = documents.definition(category, services.attributes_of(category))
    return respond(fmt, "service_definition", data)


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        if wait := ratelimit.check(request, "WANGGE_RATE_OPEN311_POST"):
            response = errors(
                fmt, 429, [_("Too many requests. Try again in %(n)s seconds.") % {"n": wait}]
            )
            response["Retry-After"] = str(wait)
            return response
        if request.content_type not in FORM_TYPES:
            raise DomainError.one(
                _("Send the request form-encoded (application/x-www-form-urlencoded)."),
                code="format",
            )
        form = dict(request.POST.lists())
        for key in QUERY_FIELDS:  # some clients put these in the query string
            if key not in form and request.GET.get(key):
                form[key] = [request.GET[key]]
        made = services.request_create(form)
        data = [documents.created(made.event, made.token, made.account_id)]
        return respond(fmt, "service_requests", data)
    events = selectors.requests(_params(request))
    return respond(fmt, "service_requests", [documents.request(e) for e in events])


@endpoint("GET")
def one_request(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    # The spec answers a single request as a one-element list.
    data = [documents.request(selectors.one_request(code))]
    return respond(fmt, "service_requests", data)


@endpoint("GET")
def token(request: HttpRequest, fmt: str, value: str) -> HttpResponse:
    event = services.request_by_token(value)
    return respond(fmt, "service_requests", [documents.token(event, value)])


@endpoint("GET")
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    entries = selectors.updates(_params(request))
    return respond(fmt, "service_request_updates", [documents.update(e) for e in entries])


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return errors(fmt, 404, [_("No such resource: %(p)s.") % {"p": request.path}])
