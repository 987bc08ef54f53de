"""Logging to standard error, where process managers (systemd, Docker, gunicorn) collect it."""

import logging
import sys


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record is emitted (a redirected or captured stderr included)."""

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr
