"""Denmark's 98 municipalities and forgiving resolution of what users type for one.

Users write "Århus", "Kbh", "hoeje-taastrup", "751" or "Københavns Kommune". Everything is folded
to one canonical key (case, æ/ø/å versus ae/oe/aa, hyphens and spaces) before matching, so the
rules below compare like with like. Resolution order: Christiansø, numeric code, exact key (also
after dropping "kommune" and a genitive "s"), the same without a Danish keyboard ("kobenhavn",
"Tarnby", "Hojetastrup": see ``loose_fold``) when it names exactly one municipality, name prefix,
then fuzzy suggestions (with their codes, so an answer can offer them as choices).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files

from rapidfuzz import fuzz, process

from bot.domain.errors import DomainError, ErrorKind

# Longer input cannot name a municipality; truncating bounds the work for hostile input.
MAX_QUERY_CHARS = 100
MAX_SUGGESTIONS = 3
MAX_CHOICES = 10
MIN_UNIQUE_PREFIX = 3
FUZZY_SCORE_CUTOFF = 70.0
# WRatio scores any substring of a long name at 90, so one- and two-letter queries match nearly
# everything; below this length fuzzy suggestions are noise.
MIN_FUZZY_CHARS = 3

# Code 411 appears in official code lists, but Christiansø is administered by the state.
CHRISTIANSOE_CODE = 411
CHRISTIANSOE_NAME = "Christiansø"

_LETTER_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe"})
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212_]+")
_PARENTHESIS = re.compile(r"\([^)]*\)")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Longest first, so "regionskommune" is not left behind as "regions".
_KOMMUNE_SUFFIXES = (" regionskommune", " kommune")

# KL (Local Government Denmark) runs the network but is no municipality: naming it gets an
# answer that says so, never a guess at a municipality whose name looks alike.
_KL_KEYS = frozenset({"kl", "kommunernes landsforening", "local government denmark"})

# Danish alphabet: æ, ø, å come after z (and the German/Swedish ä, ö sort with æ, ø).
_DANISH_LAST = {"æ": 0x7B, "ä": 0x7B, "ø": 0x7C, "ö": 0x7C, "å": 0x7D}


def fold(text: str) -> str:
    """The canonical matching key: case-, æøå/ae-oe-aa-, hyphen- and spacing-insensitive."""
    key = unicodedata.normalize("NFKC", text).casefold().translate(_LETTER_FOLDS)
    key = _SEPARATORS.sub(" ", key).strip()
    return key.rstrip(". ")


def loose_fold(text: str) -> str:
    """The key of a name as typed without a Danish keyboard: ø as o, å as a, æ as ae or a, and
    the old spellings oe, aa and ae the same way; spaces and hyphens do not count.

    "Hojetastrup", "hoeje taastrup" and "Høje-Taastrup" share one key. A test keeps the 98 names'
    keys apart from each other and from every other municipality's spellings.
    """
    key = fold(text).replace(" ", "")
    return key.replace("aa", "a").replace("oe", "o").replace("ae", "a")


def danish_sort_key(name: str) -> tuple[tuple[int, ...], str]:
    """Sort key placing æ, ø, å after z; the raw name breaks ties deterministically."""
    return tuple(_DANISH_LAST.get(char, ord(char)) for char in name.casefold()), name


@dataclass(frozen=True, slots=True)
class Municipality:
    code: int  # 101..860
    name: str  # short name, e.g. "København", "Høje-Taastrup"
    official_name: str  # "Københavns Kommune", "Bornholms Regionskommune"
    region_code: int  # 1081..1085 (DAGI)
    region_name: str  # "Region Hovedstaden"


def _without_kommune_suffix(key: str) -> str:
    for suffix in _KOMMUNE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _cut_points(name: str) -> frozenset[int]:
    """Lengths at which a prefix of fold(name) ends between two letters of the original name.

    Folding turns one letter into two (æ -> ae), and a prefix that stops halfway is not a prefix
    of the name: "a" does not start "Ærø", "ho" does not start "Hørsholm", "taa" starts "Tårnby".
    """
    return frozenset(len(fold(name[:end])) for end in range(len(name) + 1))


def _exact_candidates(key: str) -> list[str]:
    """The key itself first, then the forms a user's long or genitive spelling reduces to."""
    stem = _without_kommune_suffix(key)
    candidates = [key, stem]
    candidates += [k[:-1] for k in (key, stem) if k.endswith("s") and len(k) > 1]
    return list(dict.fromkeys(candidates))


def _split_variants(raw: str) -> list[str]:
    """'Århus (name until 2011; source)' -> ['Århus']: notes in parentheses are provenance."""
    variants = []
    for part in _PARENTHESIS.sub("", raw).split(";"):
        variant = part.strip()
        if variant:
            variants.append(variant)
    return variants


class MunicipalityDirectory:
    """An immutable lookup over the municipalities and every spelling known for each."""

    def __init__(
        self,
        municipalities: Iterable[Municipality],
        aliases: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        self._sorted = sorted(municipalities, key=lambda m: danish_sort_key(m.name))
        self._by_code = {m.code: m for m in self._sorted}
        if len(self._by_code) != len(self._sorted):
            raise ValueError("duplicate municipality code")
        if CHRISTIANSOE_CODE in self._by_code:
            raise ValueError("Christiansø (411) is not a municipality")

        self._exact: dict[str, int] = {}
        for m in self._sorted:
            spellings = [m.name, m.official_name, *(aliases or {}).get(m.code, ())]
            for spelling in spellings:
                self._add_exact(fold(spelling), m.code)

        # Prefixes are matched against the start of the name and of each later word in it
        # ("skjern", "taastrup"), never against old names: "frederiks" must not drag in
        # Halsnæs through "Frederiksværk-Hundested".
        self._name_keys = [(fold(m.name), _cut_points(m.name), m.code) for m in self._sorted]
        # Spellings without a Danish keyboard: only a key that names one municipality counts.
        loose: dict[str, set[int]] = {}
        for key, code in self._exact.items():
            loose.setdefault(loose_fold(key), set()).add(code)
        self._loose = {key: codes.pop() for key, codes in loose.items() if len(codes) == 1}
        # Fuzzy choices leave out "kommune" so that word alone does not make names look alike.
        self._fuzzy: dict[str, int] = {}
        for key, code in self._exact.items():
            self._fuzzy.setdefault(_without_kommune_suffix(key), code)

    def _add_exact(self, key: str, code: int) -> None:
        if not key:
            return
        existing = self._exact.setdefault(key, code)
        if existing != code:
            raise ValueError(f"spelling {key!r} names both {existing} and {code}")

    @classmethod
    def from_package_data(cls) -> MunicipalityDirectory:
        data = files("bot.data")
        rows = _read_csv(data.joinpath("kommuner.csv").read_text(encoding="utf-8"))
        alias_rows = _read_csv(data.joinpath("kommuner_aliases.csv").read_text(encoding="utf-8"))
        official = {int(r["code"]): r["official_name"].strip() for r in alias_rows}
        aliases = {
            int(r["code"]): [r["ascii_slug"], *_split_variants(r["known_variants"] or "")]
            for r in alias_rows
        }
        municipalities = [
            Municipality(
                code=int(r["code"]),
                name=r["name"].strip(),
                official_name=official.get(int(r["code"]), f"{r['name'].strip()} Kommune"),
                region_code=int(r["region_code"]),
                region_name=r["region_name"].strip(),
            )
            for r in rows
        ]
        return cls(municipalities, aliases)

    def __len__(self) -> int:
        return len(self._sorted)

    def all(self) -> list[Municipality]:
        return list(self._sorted)

    def get(self, code: int) -> Municipality | None:
        return self._by_code.get(code)

    def name_of(self, code: int) -> str:
        """The short name of a municipality (the code itself for one we do not know)."""
        found = self.get(code)
        return found.name if found else str(code)

    def by_region(self) -> list[tuple[str, list[Municipality]]]:
        regions: dict[int, tuple[str, list[Municipality]]] = {}
        for m in self._sorted:
            regions.setdefault(m.region_code, (m.region_name, []))[1].append(m)
        return [regions[code] for code in sorted(regions)]

    def resolve(self, text: str) -> Municipality:
        """The municipality ``text`` names, or a DomainError saying why there is none."""
        query = text.strip()[:MAX_QUERY_CHARS]
        if not query:
            raise DomainError(ErrorKind.MUNICIPALITY_MISSING)
        key = fold(query)[:MAX_QUERY_CHARS]
        if key in _KL_KEYS:
            raise DomainError(ErrorKind.KL_NOT_A_MUNICIPALITY, query=query)
        candidates = _exact_candidates(key)

        christiansoe = loose_fold(CHRISTIANSOE_NAME)
        if any(loose_fold(candidate) == christiansoe for candidate in candidates):
            raise DomainError(ErrorKind.NOT_A_MUNICIPALITY, query=query, name=CHRISTIANSOE_NAME)
        if _ASCII_DIGITS.fullmatch(key):
            return self._resolve_code(query, key)
        for lookup, as_key in ((self._exact, str), (self._loose, loose_fold)):
            for candidate in candidates:
                code = lookup.get(as_key(candidate))
                if code is not None:
                    return self._by_code[code]

        stem = _without_kommune_suffix(key)
        if stem:
            prefixed = self._prefix_matches(stem)
            if len(prefixed) > 1:
                choices = prefixed[:MAX_CHOICES]
                raise DomainError(
                    ErrorKind.MUNICIPALITY_AMBIGUOUS,
                    query=query,
                    choices=[m.name for m in choices],
                    codes=[m.code for m in choices],
                )
            if len(prefixed) == 1:
                if len(stem) >= MIN_UNIQUE_PREFIX:
                    return prefixed[0]
                raise _unknown(query, prefixed)
        raise _unknown(query, self._suggest(stem))

    def _resolve_code(self, query: str, digits: str) -> Municipality:
        significant = digits.lstrip("0")
        code = int(significant) if 0 < len(significant) <= 3 else None
        if code == CHRISTIANSOE_CODE:
            raise DomainError(ErrorKind.NOT_A_MUNICIPALITY, query=query, name=CHRISTIANSOE_NAME)
        municipality = self._by_code.get(code) if code is not None else None
        if municipality is None:
            # A wrong number says nothing about which municipality was meant.
            raise _unknown(query, [])
        return municipality

    def _prefix_matches(self, stem: str) -> list[Municipality]:
        """Municipalities (Danish-sorted) whose name or a later word of it starts with stem."""
        matches = []
        for name_key, cut_points, code in self._name_keys:
            word_starts = [0] + [i + 1 for i, char in enumerate(name_key) if char == " "]
            if any(
                name_key.startswith(stem, start) and start + len(stem) in cut_points
                for start in word_starts
            ):
                matches.append(self._by_code[code])
        return matches

    def _suggest(self, stem: str) -> list[Municipality]:
        if len(stem) < MIN_FUZZY_CHARS:
            return []
        scored = process.extract(
            stem,
            list(self._fuzzy),
            scorer=fuzz.WRatio,
            score_cutoff=FUZZY_SCORE_CUTOFF,
            limit=None,
        )
        best: dict[int, float] = {}
        for choice, score, _index in scored:
            code = self._fuzzy[choice]
            best[code] = max(score, best.get(code, 0.0))
        ranked = sorted(best, key=lambda c: (-best[c], danish_sort_key(self._by_code[c].name)))
        return [self._by_code[code] for code in ranked[:MAX_SUGGESTIONS]]


def _unknown(query: str, suggestions: Sequence[Municipality]) -> DomainError:
    """No municipality by that name; the suggestions come with their codes."""
    return DomainError(
        ErrorKind.MUNICIPALITY_UNKNOWN,
        query=query,
        suggestions=[m.name for m in suggestions],
        codes=[m.code for m in suggestions],
    )


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@functools.cache
def default_directory() -> MunicipalityDirectory:
    """The directory built from the package data, built once per process."""
    return MunicipalityDirectory.from_package_data()
