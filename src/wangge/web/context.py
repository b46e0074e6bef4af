from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "tile_url": settings.WANGGE_TILE_URL,
        "tile_attribution": settings.WANGGE_TILE_ATTRIBUTION,
    }
