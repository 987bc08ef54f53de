"""The garbage collector paused while WeasyPrint renders (ikm_registry.gc_pause): off inside, back as it was after."""

import gc
import threading

import pytest

from ikm_registry.gc_pause import collector_paused
from ikm_registry.reports.base import html_to_pdf


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled()
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_on_again_after_an_error():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_nested_pause_leaves_it_off_until_the_outer_one_ends():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_runs_in_two_threads_keep_it_off_until_the_last_one_ends():
    first_in, second_done, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            first_may_end.wait(5)

    def second():
        first_in.wait(5)
        with collector_paused():
            pass
        seen["after_second"] = gc.isenabled()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_done.wait(5)
    first_may_end.set()
    for thread in threads:
        thread.join(5)
    assert seen == {"after_second": False}  # the first run was still going
    assert gc.isenabled()


def test_a_pdf_is_made_with_the_collector_on_again_after():
    pdf = html_to_pdf("<p>Rekapitulasi</p>")
    assert pdf.startswith(b"%PDF")
    assert gc.isenabled()
