"""The registry's own words, and the correction of a searched word nobody uses ("batk": "Maksud Anda: batik?").

The vocabulary is the table `SearchWord`: every word (folded: no case, no accents; 3 to 40 letters and digits, not
only digits) of the texts its sources give (names, products, titles), with the number of those texts that hold it.
Sources are registered in `vocabulary_sources`: the core's own (KBLI titles, region names) below, and those apps add
(businesses: the names and products of published businesses, businesses/contributions.py). A correction reads only
this table, never the businesses, whatever their number:

- the words of a query that are a vocabulary word, or the start of one, are known and kept;
- an unknown word of 4 letters or more is replaced by the vocabulary word nearest to it by Damerau-Levenshtein
  distance (RapidFuzz): at most 1 edit for a word of 4 or 5 letters, 2 from 6 on; among equally near words the most
  used wins. The candidates are read through the index on (initial, length): words that start with the word's first
  or second letter (a swap of the first two: "btaik") and are about as long.

Keeping it current:

- a source with a `model` is kept up to date on every save of that model (`texts_of(instance)`, added after the
  transaction commits): publishing a business adds its words;
- bulk writes that send no signals add theirs with `vocabulary_add_objects()` / `vocabulary_add()` (the business
  import, the KBLI and region imports);
- `vocabulary_rebuild()` (the `refresh_search_words` command; seed_demo; run it nightly) recounts every source and
  drops the words no source uses any more. Until then a word of a business that left the directory stays; the
  directory checks that a correction finds something before it offers it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from ikm_registry.registry import Registry
from ikm_registry.text import search_words_of

MIN_LENGTH = 3
MAX_LENGTH = 40
# Words shorter than this are never corrected (too many words are one letter away from "tas" or "teh").
MIN_CORRECTED_LENGTH = 4
MAX_QUERY_WORDS = 8
BATCH = 5000


def max_distance(word: str) -> int:
    return 1 if len(word) < 6 else 2


@dataclass(frozen=True, kw_only=True)
class VocabularySource:
    """Where words come from. `texts()`: every text of the source (a full rebuild reads them all, in chunks);
    `model` and `texts_of(instance)`: the texts of one saved row, to add its words as it is saved ([] to add
    none, e.g. for a business that is not published)."""

    name: str
    texts: Callable[[], Iterable[str]]
    model: Any = None
    texts_of: Callable[[Any], Iterable[str]] | None = field(default=None, compare=False)


def _on_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    texts = [text for source in vocabulary_sources if source.model is sender for text in source.texts_of(instance)]
    if texts:
        transaction.on_commit(lambda: vocabulary_add(texts))


def _connect(source: VocabularySource) -> None:
    if source.model is not None and source.texts_of is not None:
        post_save.connect(_on_save, sender=source.model, dispatch_uid=f"vocabulary-{source.model._meta.label}")


vocabulary_sources: Registry[VocabularySource] = Registry("vocabulary sources", on_register=_connect)


def vocabulary_words(text: str) -> set[str]:
    """The words of `text` that the vocabulary keeps (each once)."""
    return {
        word
        for word in search_words_of(text)
        if MIN_LENGTH <= len(word) <= MAX_LENGTH and not word.isdigit() and not word.startswith("_")
    }


def vocabulary_add(texts: Iterable[str]) -> int:
    """Add the words of `texts` that the vocabulary lacks (a word already there keeps its count until the next
    rebuild). Returns how many words were given."""
    from ikm_registry.models import SearchWord

    words = set()
    for text in texts:
        words |= vocabulary_words(text or "")
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in sorted(words)], batch_size=BATCH, ignore_conflicts=True
    )
    return len(words)


def vocabulary_add_objects(objects: Iterable) -> int:
    """Add the words of rows written in bulk (no signals), as each row's source would on its save."""
    texts = []
    for obj in objects:
        for source in vocabulary_sources:
            if source.model is not None and source.texts_of is not None and isinstance(obj, source.model):
                texts.extend(source.texts_of(obj))
    return vocabulary_add(texts) if texts else 0


@transaction.atomic
def vocabulary_rebuild() -> int:
    """Recount the words of every source and replace the vocabulary with them. Returns the number of words.

    Reads every text of every source once (the businesses in chunks); for the nightly job and after bulk loads, never
    in a request."""
    from ikm_registry.models import SearchWord

    counts: Counter[str] = Counter()
    for source in vocabulary_sources:
        for text in source.texts():
            counts.update(vocabulary_words(text or ""))
    SearchWord.objects.all().delete()
    SearchWord.objects.bulk_create(
        [SearchWord(word=word, frequency=count) for word, count in sorted(counts.items())], batch_size=BATCH
    )
    return len(counts)


# --- corrections --------------------------------------------------------------------------------------------------


def _known(words: set[str]) -> set[str]:
    """The words that are vocabulary words or the start of one."""
    from ikm_registry.models import SearchWord

    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    for word in words - known:
        if SearchWord.objects.filter(word__startswith=word).exists():
            known.add(word)
    return known


def nearest_word(word: str) -> str | None:
    """The vocabulary word nearest to `word` (see the module's docstring), or None."""
    from ikm_registry.models import SearchWord

    if len(word) < MIN_CORRECTED_LENGTH or word.isdigit():
        return None
    limit = max_distance(word)
    initials = list(dict.fromkeys(word[:2]))
    candidates = dict(
        SearchWord.objects.filter(
            initial__in=initials, length__gte=len(word) - limit, length__lte=len(word) + limit
        ).values_list("word", "frequency")
    )
    if not candidates:
        return None
    found = process.extract(word, list(candidates), scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
    if not found:
        return None
    best = min(found, key=lambda match: (match[1], -candidates[match[0]], match[0]))
    return best[0]


def corrected_query(text: str) -> str | None:
    """`text` with each word nobody uses replaced by the nearest vocabulary word ("kain batk" → "kain batik"), or
    None when there is nothing to correct."""
    words = search_words_of(text)[:MAX_QUERY_WORDS]
    if not words:
        return None
    unknown = {word for word in words if len(word) >= MIN_CORRECTED_LENGTH and not word.isdigit()}
    unknown -= _known(unknown) if unknown else set()
    corrections = {word: nearest for word in unknown if (nearest := nearest_word(word))}
    if not corrections:
        return None
    return " ".join(corrections.get(word, word) for word in words)


# --- the core's own sources ---------------------------------------------------------------------------------------


def _kbli_titles():
    from ikm_registry.models import Kbli

    return Kbli.objects.values_list("title", flat=True).iterator(chunk_size=BATCH)


def _region_names():
    from ikm_registry.models import Region

    return Region.objects.values_list("name", flat=True).iterator(chunk_size=BATCH)


def register_core_sources() -> None:
    """KBLI titles and region names (rows saved one by one add their words; the imports call vocabulary_add)."""
    from ikm_registry.models import Kbli, Region

    vocabulary_sources.register(
        VocabularySource(name="kbli", texts=_kbli_titles, model=Kbli, texts_of=lambda kbli: [kbli.title]),
        replace=True,
    )
    vocabulary_sources.register(
        VocabularySource(name="regions", texts=_region_names, model=Region, texts_of=lambda region: [region.name]),
        replace=True,
    )
