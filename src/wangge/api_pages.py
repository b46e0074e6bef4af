"""The one page shape of every list in the JSON API.

A list endpoint declares `response=list[ItemOut]` and `@paged` (ninja's `@paginate(Pages)`);
it returns its scoped queryset (or a list), or `Rows(queryset, each=ItemOut.of)` when rows are
converted by a function. ninja turns the response into `{items, page, page_size, next}` and
adds the query parameters `page` (from 1) and `page_size` (default 50, at most 200; others
are refused, 422 naming the field). One row more than the page is fetched to know whether a
next page exists: no COUNT over the scope. `next` is the absolute path of the next page with
the same filters, or null on the last one.

Imports only Django and ninja, so any app's API may use it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000  # a huge OFFSET is a database error, not a page


@dataclass(frozen=True)
class Rows:
    """What a handler returns when its rows need converting: the scoped rows, and either a
    function of one row (`each`) or one of the whole page's rows (`batch`, for figures read
    for the page at once). `keys_first`: the page's keys come first from a narrow query (the
    database sorts ids, not whole joined rows: at offset 20,000 that is the difference between
    an index scan and a sort spilling to disk), then the rows of those keys."""

    rows: "QuerySet[Any] | Sequence[Any]"
    each: Callable[[Any], Any] | None = None
    batch: Callable[[list[Any]], Iterable[Any]] | None = None
    keys_first: bool = False


def next_url(request: HttpRequest, page: int, page_size: int) -> str:
    """The absolute path of `page`, with the request's other query parameters."""
    query = request.GET.copy()
    query["page"] = str(page)
    query["page_size"] = str(page_size)
    return f"{request.path}?{query.urlencode()}"


def _stable(rows: "QuerySet[Any]") -> "QuerySet[Any]":
    """The rows in their order, ties broken by the key: an offset page over an order with
    ties could show a row twice and another never."""
    if rows.query.combinator:
        return rows
    order = list(rows.query.order_by) or (
        list(rows.model._meta.ordering) if rows.query.default_ordering else []
    )
    if any(isinstance(o, str) and o.lstrip("-") in ("pk", "id") for o in order):
        return rows
    return rows.order_by(*order, "pk")


def _slice(
    rows: "QuerySet[Any] | Sequence[Any]", start: int, stop: int, keys_first: bool
) -> list[Any]:
    if isinstance(rows, QuerySet):
        rows = _stable(rows)
    if keys_first and isinstance(rows, QuerySet):
        keys = list(rows.values_list("pk", flat=True)[start:stop])
        if not keys:
            return []
        found = {row.pk: row for row in rows.filter(pk__in=keys)}
        return [found[k] for k in keys if k in found]
    return list(rows[start:stop])


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="the page, from 1")
    page_size: int = Field(
        PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, at most {MAX_PAGE_SIZE}"
    )


class PageOut(Schema):
    items: list[Any]
    page: int
    page_size: int
    next: str | None = Field(
        ..., description="the absolute path of the next page (same filters), null on the last"
    )


class Pages(PaginationBase):
    """ninja's pagination class of the API: `PageQuery` in, `PageOut` (`Paged<Item>` in the
    document) out."""

    Input = PageQuery  # type: ignore[assignment]
    Output = PageOut  # type: ignore[assignment]

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        source = queryset if isinstance(queryset, Rows) else Rows(queryset)
        page, size = pagination.page, pagination.page_size
        start = (page - 1) * size
        rows = _slice(source.rows, start, start + size + 1, source.keys_first)
        more = len(rows) > size
        rows = rows[:size]
        if source.batch is not None:
            items = list(source.batch(rows))
        elif source.each is not None:
            items = [source.each(row) for row in rows]
        else:
            items = rows
        return {
            "items": items,
            "page": page,
            "page_size": size,
            "next": next_url(request, page + 1, size) if more else None,
        }


F = TypeVar("F", bound=Callable[..., Any])


def paged(handler: F) -> F:
    """`@paginate(Pages)`: put it under the router's `@router.get(..., response=list[X])`."""
    return cast(F, paginate(Pages)(handler))
