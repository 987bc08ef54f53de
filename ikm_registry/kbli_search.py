"""Finding a KBLI subclass by words ("batik", "kopi", "anyaman"), for people who do not know the codes.

The KBLI table holds up to the 1,790 codes of KBLI 2020 (import_kbli); their titles are official wording ("Industri
Barang Anyaman Dari Rotan Dan Bambu"), not what an owner types ("tikar pandan"). A search here:

- compares folded words (no case, no accents) with the title's words and their Indonesian stems ("pertenunan" is
  found by "tenun", "pemintalan" by "pintal"), and with a few product words people use that no title holds
  (PRODUCT_WORDS: "songket" → tenun, "mebel" → furnitur, "perak" → perhiasan);
- falls back, per word, to titles' words that start with it ("anyam" → anyaman) when the word matches nothing
  better, and to words one or two letters away ("batk" → batik, RapidFuzz) when no typed word matched anything;
- ranks codes by how many of the typed words they match, then by how well; a code or the start of one ("13") lists
  the codes under it.

The index (every subclass's words and stems, a sorted word list for prefixes) is built once per process from one
query and rebuilt when the public data version changes (a KBLI import or edit bumps it: ikm_registry.public_cache);
a search is then a few dictionary look-ups and a binary search, whatever the size of the table.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ikm_registry.choices import KbliLevel
from ikm_registry.text import search_words_of

# Words of titles and queries that say nothing about what is made.
STOP_WORDS = frozenset(
    "industri dan dari untuk yang atau lainnya lain bukan dengan di ke dalam serta sejenisnya sejenis termasuk ytdl "
    "usaha produk barang kegiatan jasa pembuatan".split()
)

# Product words owners type that no KBLI 2020 title holds → the subclasses they usually belong to.
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    # woven cloth of the regions
    **dict.fromkeys(
        ("songket", "endek", "ikat", "ulos", "tapis", "lurik", "gringsing", "geringsing"), ("13122", "13121")
    ),
    # furniture
    **dict.fromkeys(("mebel", "meubel", "mebeler", "kursi", "meja", "lemari", "dipan"), ("31001", "31002", "31009")),
    # jewellery
    **dict.fromkeys(
        ("perak", "emas", "cincin", "kalung", "gelang", "anting", "liontin", "bros"), ("32112", "32119", "32120")
    ),
    # pottery
    **dict.fromkeys(("gerabah", "tembikar", "kendi", "celengan", "vas"), ("23932", "23939")),
    # clothes
    **dict.fromkeys(
        ("kaos", "kaus", "baju", "kemeja", "konveksi", "garmen", "seragam", "busana", "jilbab", "hijab", "mukena"),
        ("14111", "14120"),
    ),
    "jahit": ("14120", "14111"),
    "penjahit": ("14120",),
    "bordir": ("14302", "13912", "13922"),
    "sablon": ("13133", "18112"),
    # leather goods and footwear
    **dict.fromkeys(("tas", "dompet", "koper"), ("15121",)),
    **dict.fromkeys(("sandal", "sendal", "selop"), ("15201", "15209")),
    "sepatu": ("15201", "15202"),
    # snacks and cakes
    **dict.fromkeys(("emping", "rempeyek", "kripik", "opak", "rengginang", "kacang"), ("10794",)),
    **dict.fromkeys(("bakpia", "pia", "donat", "brownies", "bolu", "cookies", "nastar"), ("10710",)),
    **dict.fromkeys(("jajan", "jajanan", "klepon", "lapis", "lemper", "pastel"), ("10792",)),
    **dict.fromkeys(("jenang", "wajik", "lempok", "gelamai"), ("10796",)),
    **dict.fromkeys(("aren", "semut"), ("10722",)),
    **dict.fromkeys(("sambal", "saus", "sambel"), ("10772", "10779")),
    **dict.fromkeys(("abon", "dendeng", "sosis", "bakso", "nugget", "rendang"), ("10130",)),
    "asin": ("10211",),
    "pindang": ("10214",),
    **dict.fromkeys(("terasi", "petis"), ("10215", "10219")),
    "oncom": ("10793",),
    **dict.fromkeys(("mi", "bihun", "soun", "pasta"), ("10740",)),
    **dict.fromkeys(("yoghurt", "yogurt", "keju"), ("10590",)),
    "madu": ("10799",),
    "vco": ("10422",),
    **dict.fromkeys(("arak", "tuak", "brem", "ciu"), ("11010", "11090")),
    # crafts
    **dict.fromkeys(("tikar", "keranjang", "bakul", "pandan", "besek", "purun"), ("16292", "16291")),
    **dict.fromkeys(("patung", "topeng", "relief"), ("16293", "23963")),
    **dict.fromkeys(("souvenir", "suvenir", "cenderamata", "oleh"), ("32903",)),
    **dict.fromkeys(("gamelan", "angklung", "gendang", "sasando", "kolintang", "gong"), ("32201",)),
    **dict.fromkeys(("jamu", "loloh", "boreh"), ("21022", "21021")),
    "lulur": ("20232",),
    **dict.fromkeys(("pisau", "golok", "parang", "arit", "cangkul", "pandai"), ("25931", "25932", "25933")),
    **dict.fromkeys(("batako", "paving", "buis"), ("23951", "23953")),
    "jukung": ("30111",),
    **dict.fromkeys(("undangan", "percetakan"), ("18111", "18112")),
    **dict.fromkeys(("pakan", "pelet"), ("10801", "10802")),
    "kompos": ("20121",),
    "arang": ("16295",),
}

MAX_RESULTS = 10
MAX_CODE_RESULTS = 40
# Queries typed: at most this many words are compared.
MAX_QUERY_WORDS = 8


# Noun prefixes, and the first letter of the root some of them swallow before a vowel (pe + pintal → pemintal).
PREFIXES = (("peng", "k"), ("peny", "s"), ("pem", "p"), ("pen", "t"), ("per", ""), ("pe", ""), ("ke", ""))


def _stems(word: str) -> set[str]:
    """The word and what is left of it without a common Indonesian noun prefix (pe-, per-, pen-, ... with the
    dropped first letter put back: pemintalan → pintal) and the suffix -an (ukiran → ukir)."""
    stems = {word}
    bases = {word}
    for prefix, restored in PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 4:
            bases.add(rest)
            if restored and rest[0] in "aeiou":
                bases.add(restored + rest)
    for base in bases:
        stems.add(base)
        if base.endswith("an") and len(base) >= 6:
            stems.add(base[:-2])
    return stems


@dataclass
class KbliIndex:
    """The subclasses' titles as words: code → title, and word/stem → codes."""

    titles: dict[str, str] = field(default_factory=dict)
    by_stem: dict[str, set[str]] = field(default_factory=dict)
    by_word: dict[str, set[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # sorted, for prefix look-ups

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str]]) -> KbliIndex:
        index = cls()
        for code, title in rows:
            index.titles[code] = title
            for word in search_words_of(title):
                if word in STOP_WORDS or word.isdigit():
                    continue
                index.by_word.setdefault(word, set()).add(code)
                for stem in _stems(word):
                    index.by_stem.setdefault(stem, set()).add(code)
        index.words = sorted(index.by_word)
        return index

    def _prefixed(self, word: str) -> set[str]:
        codes: set[str] = set()
        start = bisect.bisect_left(self.words, word)
        for candidate in self.words[start:]:
            if not candidate.startswith(word):
                break
            codes |= self.by_word[candidate]
        return codes

    def _near(self, word: str) -> set[str]:
        if len(word) < 4:
            return set()
        limit = 1 if len(word) < 7 else 2
        found = process.extract(word, self.words, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
        codes: set[str] = set()
        for candidate, _distance, _index in found:
            codes |= self.by_word[candidate]
        return codes

    def matches(self, word: str) -> dict[str, int]:
        """The codes `word` finds, each with how well: 4 a title's word itself or a product word (its first code;
        3 the others), 2 a stem in common ("tenun" and "pertenunan"), else 1 the start of a title's word
        ("anyam" → anyaman) only when nothing matches better."""
        found: dict[str, int] = {}
        for stem in _stems(word):
            for code in self.by_stem.get(stem, ()):
                found[code] = 2
        for code in self.by_word.get(word, ()):
            found[code] = 4
        for position, code in enumerate(PRODUCT_WORDS.get(word, ())):
            if code in self.titles:
                found[code] = max(found.get(code, 0), 4 if position == 0 else 3)
        if not found and len(word) >= 3:
            found = dict.fromkeys(self._prefixed(word), 1)
        return found

    def search(self, text: str, *, allowed=lambda code: True, limit: int = MAX_RESULTS) -> list[tuple[str, str]]:
        text = (text or "").strip()
        digits = text.replace(".", "").replace(" ", "")
        if digits.isdigit():
            codes = [code for code in sorted(self.titles) if code.startswith(digits) and allowed(code)]
            return [(code, self.titles[code]) for code in codes[:MAX_CODE_RESULTS]]
        words = list(dict.fromkeys(word for word in search_words_of(text) if word not in STOP_WORDS))
        words = words[:MAX_QUERY_WORDS]
        found = {word: self.matches(word) for word in words}
        if not any(found.values()):
            # A typo, perhaps: the titles' words a letter or two away ("batk" → batik), only when nothing else matched
            # (a second word the titles do not know, "mebel jati", must not drag in "jadi").
            found = {word: dict.fromkeys(self._near(word), 1) for word in words}
        scores: dict[str, list[int]] = {}
        for codes in found.values():
            for code, weight in codes.items():
                if allowed(code):
                    score = scores.setdefault(code, [0, 0])
                    score[0] += 1
                    score[1] += weight
        ranked = sorted(scores, key=lambda code: (-scores[code][0], -scores[code][1], len(self.titles[code]), code))
        return [(code, self.titles[code]) for code in ranked[:limit]]


_lock = threading.Lock()
_cached: tuple[int, KbliIndex] | None = None


def kbli_index() -> KbliIndex:
    """The index of every KBLI subclass, built at most once per public data version and process."""
    global _cached
    from ikm_registry.models import Kbli
    from ikm_registry.public_cache import public_version

    version = public_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        rows = Kbli.objects.filter(level=KbliLevel.SUBCLASS).order_by("code").values_list("code", "title")
        index = KbliIndex.build(rows)
        _cached = (version, index)
    return index


def manufacturing(code: str) -> bool:
    """A subclass of section C (Industri Pengolahan: divisions 10 to 33), the industries IKM are registered in."""
    return "10" <= code[:2] <= "33"


def kbli_search(text: str, *, allowed=manufacturing, limit: int = MAX_RESULTS) -> list[tuple[str, str]]:
    """(code, title) of the KBLI subclasses that `text` describes, best first; [] for a text without a word."""
    return kbli_index().search(text, allowed=allowed, limit=limit)
