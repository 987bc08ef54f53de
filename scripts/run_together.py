#!/usr/bin/env python3
"""Run several commands side by side until one ends or the user stops them: `make run`'s web server and background
worker.

    python scripts/run_together.py "python manage.py runserver 127.0.0.1:8000" "python manage.py db_worker --no-reload"

Each command runs in a process group of its own, so the terminal's Ctrl-C reaches it once — from here — rather than
twice (db_worker takes a second Ctrl-C as "stop the running task now"). Ctrl-C, SIGTERM or SIGHUP is passed on to
every command (SIGHUP as SIGTERM); when one command ends by itself (a port in use), the others are stopped too. A
command still running RUN_TOGETHER_GRACE_SECONDS (default 10) after it was asked to stop is killed; a second Ctrl-C
passes the signal on again. Exits with the status of the first command that failed by itself, else 0.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time

GRACE_SECONDS = float(os.environ.get("RUN_TOGETHER_GRACE_SECONDS", "10"))
POLL_SECONDS = 0.1


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


class Together:
    def __init__(self, commands: list[list[str]]):
        self.commands = commands
        self.processes: list[subprocess.Popen] = []
        self.stop_signal: int | None = None  # the signal the user sent, once they asked to stop

    def start(self) -> None:
        for command in self.commands:
            self.processes.append(subprocess.Popen(command, start_new_session=True))

    def running(self) -> list[subprocess.Popen]:
        return [process for process in self.processes if process.poll() is None]

    def on_signal(self, signum, frame) -> None:
        passed_on = signal.SIGTERM if signum == signal.SIGHUP else signum
        if self.stop_signal is None:
            names = ", ".join(shlex.join(process.args[:3]) for process in self.running())
            print(f"\nrun_together: stopping {names}", file=sys.stderr, flush=True)
        self.stop_signal = passed_on
        for process in self.running():
            _signal_group(process, passed_on)

    def stop_all(self, signum: int | None = None) -> None:
        """Wait for every command to end (after sending `signum`, unless on_signal already passed one on); kill
        those still running after the grace period."""
        if signum is not None:
            for process in self.running():
                _signal_group(process, signum)
        deadline = time.monotonic() + GRACE_SECONDS
        while self.running() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        for process in self.running():
            print(f"run_together: {shlex.join(process.args[:3])} did not stop; killed", file=sys.stderr, flush=True)
            _signal_group(process, signal.SIGKILL)
        for process in self.processes:
            process.wait()

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self.on_signal)
        self.start()
        while len(self.running()) == len(self.processes) and self.stop_signal is None:
            time.sleep(POLL_SECONDS)
        if self.stop_signal is not None:
            self.stop_all()  # the signal is passed on already, once: a second one means "now" to db_worker
            return 0
        ended = next(process for process in self.processes if process.poll() is not None)
        print(
            f"run_together: {shlex.join(ended.args[:3])} ended (status {ended.returncode}); stopping the others",
            file=sys.stderr,
            flush=True,
        )
        self.stop_all(signal.SIGTERM)
        return ended.returncode or 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or any(not command.strip() for command in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    return Together([shlex.split(command) for command in argv[1:]]).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
