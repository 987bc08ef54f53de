"""Values read once per request: a page that asks several times whether the stored directory counts hold (the
Statistik page asks for each of its tables) reads the answer once.

`request_memo(key, compute)` returns `compute()` the first time `key` is asked for within a request and the same
value after; outside a request (commands, the worker, tests calling a selector) it computes every time. The memo
lives in a context variable that RequestMemoMiddleware sets for each request and drops after it, so threads and
requests never share one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("registry_request_memo", default=None)


def request_memo(key: str, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
