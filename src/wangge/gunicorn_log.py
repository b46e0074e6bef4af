"""gunicorn's logger with `wangge.logscrub` on its access and error logs (`wangge serve`)."""

from typing import Any

from gunicorn.glogging import Logger

from wangge.logscrub import install


class ScrubbedLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        install(self.access_log, self.error_log)
