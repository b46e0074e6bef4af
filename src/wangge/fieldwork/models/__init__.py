"""Fieldwork models, one module per topic: visits (三必访/四必清), must-attend (五必到),
patrols and inspections (巡查), campaigns (专项排查)."""

from wangge.fieldwork.models.attend import *  # noqa: F403
from wangge.fieldwork.models.campaigns import *  # noqa: F403
from wangge.fieldwork.models.changes import *  # noqa: F403
from wangge.fieldwork.models.patrols import *  # noqa: F403
from wangge.fieldwork.models.visits import *  # noqa: F403
