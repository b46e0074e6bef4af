"""The fieldwork API: one router assembled from the topic routers."""

from ninja import Router

from wangge.fieldwork.attend.api import router as attend_router
from wangge.fieldwork.campaigns.api import router as campaigns_router
from wangge.fieldwork.patrols.api import router as patrols_router
from wangge.fieldwork.visits.api import router as visits_router

router = Router(tags=["fieldwork"])
router.add_router("/fieldwork", visits_router)
router.add_router("/fieldwork", attend_router)
router.add_router("/fieldwork", patrols_router)
router.add_router("/fieldwork", campaigns_router)
