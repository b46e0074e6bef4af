"""Fieldwork models, one module per topic: visits (三必访/四必清), must-attend (五必到),
patrols and inspections (巡查), campaigns (专项排查)."""

from wangge.fieldwork.attend.models import *  # noqa: F403
from wangge.fieldwork.campaigns.models import *  # noqa: F403
from wangge.fieldwork.patrols.models import *  # noqa: F403
from wangge.fieldwork.visits.models import *  # noqa: F403
