"""The people app's API router: the sub-packages' routers under one."""

from wangge.people.residents.api import router

__all__ = ["router"]
