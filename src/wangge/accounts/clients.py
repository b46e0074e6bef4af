"""The client's address, the one place that reads it (rate limits, lockout, portal limits)."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The proxy's header named by WANGGE_CLIENT_HEADER (first address), else the
    connection's own address. Only a header that the proxy itself sets can be trusted."""
    header = settings.WANGGE_CLIENT_HEADER
    if header:
        value = request.headers.get(header, "").split(",")[0].strip()
        if value:
            return value[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]
