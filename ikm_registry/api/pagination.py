"""Keyset ("seek") pagination: a page is the rows after the last one seen, in id order, found through the primary
key's index. No page ever counts the table or skips rows, so the millionth row costs what the first does.

`?cursor=` is opaque (DRF's CursorPagination, ordered by id alone: the position is the last id); `?page_size=` up to
API_MAX_PAGE_SIZE. The answer names the `next` and `previous` pages; there is no total (ask the statistics)."""

from django.conf import settings
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    ordering = "id"
    page_size_query_param = "page_size"
    page_size_query_description = "Baris per halaman (paling banyak API_MAX_PAGE_SIZE, bawaan API_PAGE_SIZE)."
    cursor_query_description = "Penanda halaman dari tautan `next`/`previous` jawaban sebelumnya."

    def __init__(self):
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE
