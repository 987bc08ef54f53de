"""`make run` starts the web server and the background worker together (issue 13, point 12): scripts/run_together.py
passes Ctrl-C (once), SIGTERM and SIGHUP on to both, stops the other when one ends, and kills one that does not stop
within the grace period. Dummy commands stand in for the server and the worker; one test runs the real ones."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.core.test_jobs import wait_for
from tests.processes import PROJECT, SubprocessDatabase, free_port, is_postgresql

SCRIPT = PROJECT / "scripts" / "run_together.py"

# A stand-in for the server or the worker: notes its pid, then each signal it gets, and ends on the first (unless
# told to ignore them, or to end by itself after `exit_after` seconds with status `status`).
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    log = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "stop"
    def note(text):
        with open(log, "a") as f:
            f.write(text + "\\n")
    def got(signum, frame):
        note(signal.Signals(signum).name)
        if mode != "ignore":
            sys.exit(0)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, got)
    note(f"pid {os.getpid()}")
    started = time.monotonic()
    while True:
        time.sleep(0.05)
        if mode.startswith("exit") and time.monotonic() - started > 0.5:
            sys.exit(int(mode[4:]))
    """
)


def child(tmp_path: Path, name: str, mode: str = "stop") -> tuple[str, Path]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    log = tmp_path / f"{name}.log"
    return f"{sys.executable} {script} {log} {mode}", log


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def pid_of(log: Path) -> int:
    return int(lines(log)[0].split()[1])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run_together(*commands: str, **env) -> subprocess.Popen:
    # Its own session, like make's recipe in a terminal: a Ctrl-C there reaches the script's whole process group.
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *commands],
        env={**os.environ, **env},
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )


def started(*logs: Path) -> None:
    wait_for(lambda: all(lines(log) for log in logs), timeout=30, what="both commands to start")


@pytest.mark.parametrize(("sent", "received"), [("SIGINT", "SIGINT"), ("SIGTERM", "SIGTERM"), ("SIGHUP", "SIGTERM")])
def test_a_signal_to_the_script_stops_both_commands(tmp_path, sent, received):
    server, server_log = child(tmp_path, "server")
    worker, worker_log = child(tmp_path, "worker")
    process = run_together(server, worker)
    started(server_log, worker_log)
    process.send_signal(getattr(signal, sent))
    assert process.wait(timeout=30) == 0
    for log in (server_log, worker_log):
        assert lines(log)[1:] == [received]
        assert not alive(pid_of(log))


def test_a_ctrl_c_in_the_terminal_reaches_each_command_once(tmp_path):
    """The terminal sends SIGINT to the whole foreground process group; db_worker takes a second one as "stop the
    running task now". Each command runs in a group of its own and gets the one the script passes on."""
    server, server_log = child(tmp_path, "server")
    worker, worker_log = child(tmp_path, "worker")
    process = run_together(server, worker)
    started(server_log, worker_log)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert lines(server_log)[1:] == ["SIGINT"] and lines(worker_log)[1:] == ["SIGINT"]


def test_when_one_command_ends_the_other_is_stopped(tmp_path):
    server, server_log = child(tmp_path, "server", "exit3")  # e.g. the port is taken
    worker, worker_log = child(tmp_path, "worker")
    process = run_together(server, worker)
    assert process.wait(timeout=30) == 3
    assert lines(worker_log)[1:] == ["SIGTERM"]
    assert not alive(pid_of(worker_log))
    assert "ended (status 3); stopping the others" in process.stderr.read()


def test_a_command_that_does_not_stop_is_killed_after_the_grace_period(tmp_path):
    server, server_log = child(tmp_path, "server")
    stubborn, stubborn_log = child(tmp_path, "stubborn", "ignore")
    process = run_together(server, stubborn, RUN_TOGETHER_GRACE_SECONDS="1")
    started(server_log, stubborn_log)
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert time.monotonic() - began >= 1
    assert lines(stubborn_log)[1:] == ["SIGINT"]
    assert not alive(pid_of(stubborn_log))
    assert "did not stop; killed" in process.stderr.read()


def test_without_two_commands_it_explains_itself():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "run_together.py" in result.stderr


# --- the real server and worker, as `make run` starts them -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_make_runs_server_and_worker_stop_on_one_ctrl_c(tmp_path, bali_regions):
    with SubprocessDatabase(tmp_path) as database:
        port = free_port()
        manage = f"{sys.executable} {PROJECT / 'manage.py'}"
        env = database.env(DEBUG="1", WORKER_HEARTBEAT_SECONDS="1", PRIVATE_FILES_ROOT=str(tmp_path / "private"))
        process = subprocess.Popen(
            [
                sys.executable,
                str(SCRIPT),
                f"{manage} runserver --noreload 127.0.0.1:{port}",
                f"{manage} db_worker --no-reload --no-startup-delay --interval 0.2",
            ],
            cwd=PROJECT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            def workers():
                if is_postgresql():
                    from tests.processes import python

                    return int(python(env, "from ikm_registry.models import Worker; print(Worker.objects.count())"))
                with sqlite3.connect(database.file, timeout=10) as db:
                    return db.execute("SELECT COUNT(*) FROM ikm_registry_worker").fetchone()[0]

            def serving():
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        return True
                except OSError:
                    return False

            wait_for(serving, timeout=60, what="the server")
            wait_for(lambda: workers() == 1, timeout=60, what="the worker's heartbeat")
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
            assert process.wait(timeout=60) == 0
            assert not serving()
            assert workers() == 0  # the worker stopped cleanly: it removed its heartbeat
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
