"""The people app's API router: the sub-packages' routers under one (registered by `wangge.api`)."""

from ninja import Router

from wangge.people.auditlog import api as auditlog_api
from wangge.people.imports import api as imports_api
from wangge.people.party import api as party_api
from wangge.people.places import api as places_api
from wangge.people.residents import api as residents_api

SUB_ROUTERS = [
    residents_api.router,
    places_api.router,
    party_api.router,
    imports_api.router,
    auditlog_api.router,
]

router = Router()  # each sub-router carries the tag "people"
for sub in SUB_ROUTERS:
    for path_view in sub.path_operations.values():
        for operation in path_view.operations:
            # The published operationIds stay those of the one module the API was written in.
            operation.operation_id = (
                operation.operation_id or f"wangge_people_api_{operation.view_func.__name__}"
            )
    router.add_router("", sub)
