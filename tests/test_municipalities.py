"""The municipality directory: the reference data and the rules for resolving typed names."""

from __future__ import annotations

import csv
from collections import Counter
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import (
    Municipality,
    MunicipalityDirectory,
    danish_sort_key,
    default_directory,
    fold,
    loose_fold,
)

DIRECTORY = default_directory()
NAMES = frozenset(m.name for m in DIRECTORY.all())
RESOLVE_KINDS = {
    ErrorKind.MUNICIPALITY_MISSING,
    ErrorKind.MUNICIPALITY_UNKNOWN,
    ErrorKind.MUNICIPALITY_AMBIGUOUS,
    ErrorKind.NOT_A_MUNICIPALITY,
}


def _slugs() -> dict[int, str]:
    text = files("bot.data").joinpath("kommuner_aliases.csv").read_text(encoding="utf-8")
    return {int(row["code"]): row["ascii_slug"] for row in csv.DictReader(text.splitlines())}


SLUGS = _slugs()


def _error(text: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        DIRECTORY.resolve(text)
    return caught.value


def _name(text: str) -> str:
    return DIRECTORY.resolve(text).name


# --- the reference data ---------------------------------------------------------------------


def test_exactly_98_municipalities() -> None:
    assert len(DIRECTORY) == 98
    assert len(DIRECTORY.all()) == 98
    assert len({m.code for m in DIRECTORY.all()}) == 98
    assert len(NAMES) == 98
    assert all(101 <= m.code <= 860 for m in DIRECTORY.all())
    assert DIRECTORY.get(411) is None


def test_five_regions_in_code_order_with_their_counts() -> None:
    regions = DIRECTORY.by_region()
    assert [(name, len(members)) for name, members in regions] == [
        ("Region Nordjylland", 11),
        ("Region Midtjylland", 19),
        ("Region Syddanmark", 22),
        ("Region Hovedstaden", 29),
        ("Region Sjælland", 17),
    ]
    assert sum(len(members) for _, members in regions) == 98
    for _, members in regions:
        assert len({m.region_code for m in members}) == 1
        assert members == sorted(members, key=lambda m: danish_sort_key(m.name))
    assert Counter(m.region_code for m in DIRECTORY.all()) == {
        1081: 11,
        1082: 19,
        1083: 22,
        1084: 29,
        1085: 17,
    }


def test_get_by_code() -> None:
    assert DIRECTORY.get(101) == Municipality(
        101, "København", "Københavns Kommune", 1084, "Region Hovedstaden"
    )
    bornholm = DIRECTORY.get(400)
    assert bornholm is not None
    assert bornholm.official_name == "Bornholms Regionskommune"
    assert DIRECTORY.get(999) is None


def test_all_is_in_danish_alphabetical_order() -> None:
    names = [m.name for m in DIRECTORY.all()]
    assert names[:3] == ["Aabenraa", "Aalborg", "Aarhus"]
    assert names[-1] == "Ærø"  # æ sorts after z
    assert names.index("Vordingborg") < names.index("Ærø")
    assert names == sorted(names, key=danish_sort_key)


def test_danish_sort_key_puts_aeoeaa_after_z() -> None:
    assert sorted(["Å", "Ø", "Æ", "Z", "a"], key=danish_sort_key) == ["a", "Z", "Æ", "Ø", "Å"]


def test_default_directory_is_cached() -> None:
    assert default_directory() is DIRECTORY


def test_conflicting_aliases_are_rejected_at_build_time() -> None:
    one = Municipality(1, "Ét", "Ét Kommune", 1081, "Region Nordjylland")
    two = Municipality(2, "To", "To Kommune", 1081, "Region Nordjylland")
    with pytest.raises(ValueError, match="names both"):
        MunicipalityDirectory([one, two], {1: ["TO"]})


# --- every municipality resolves from every standard spelling ----------------------------------


@pytest.mark.parametrize("municipality", DIRECTORY.all(), ids=lambda m: str(m.code))
def test_every_municipality_resolves_from_its_spellings(municipality: Municipality) -> None:
    spellings = [
        municipality.name,
        municipality.official_name,
        str(municipality.code),
        SLUGS[municipality.code],
        municipality.name.upper(),
        municipality.name.lower(),
        f"  {municipality.name}  ",
        f"{municipality.name} kommune",
    ]
    for spelling in spellings:
        assert DIRECTORY.resolve(spelling) == municipality, spelling


# --- the listed cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("751", "Aarhus"),
        ("101", "København"),
        ("0751", "Aarhus"),
        ("Aarhus Kommune", "Aarhus"),
        ("Københavns Kommune", "København"),
        ("Bornholms Regionskommune", "Bornholm"),
        ("Københavns", "København"),
        ("Bornholms", "Bornholm"),
        ("Århus", "Aarhus"),
        ("århus kommune", "Aarhus"),
        ("Kbh", "København"),
        ("Kbh.", "København"),
        ("Copenhagen", "København"),
        ("Høje Taastrup", "Høje-Taastrup"),
        ("hoeje-taastrup", "Høje-Taastrup"),
        ("HØJE–TAASTRUP", "Høje-Taastrup"),  # en-dash
        ("Høje   Taastrup", "Høje-Taastrup"),
        ("Lyngby Taarbaek", "Lyngby-Taarbæk"),
        ("aalborg", "Aalborg"),
        ("AABENRAA", "Aabenraa"),
        ("Åbenrå", "Aabenraa"),
        ("Koebenhavn", "København"),
        ("Taarnby", "Tårnby"),
        ("Frederiksværk-Hundested", "Halsnæs"),
        ("Brønderslev-Dronninglund", "Brønderslev"),
        ("Nordfyn", "Nordfyns"),
        ("Vesthimmerland", "Vesthimmerlands"),
        ("Silkeborg.", "Silkeborg"),
        ("silk", "Silkeborg"),
        ("Lyngby", "Lyngby-Taarbæk"),
        ("Skjern", "Ringkøbing-Skjern"),
        ("Tönder", "Tønder"),
        ("Ta\u030arnby", "Tårnby"),  # decomposed å
    ],
)
def test_resolves(text: str, name: str) -> None:
    assert _name(text) == name


def test_exact_match_wins_over_prefix() -> None:
    # "Vejle" is also the start of nothing else, but "Vej" is ambiguous: the exact name decides.
    assert _name("Vejle") == "Vejle"
    assert _name("Vejen") == "Vejen"
    assert _error("Vej").kind is ErrorKind.MUNICIPALITY_AMBIGUOUS


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_is_missing(text: str) -> None:
    assert _error(text).kind is ErrorKind.MUNICIPALITY_MISSING


@pytest.mark.parametrize(
    "text", ["411", "Christiansø", "christiansoe", "CHRISTIANSØ", "Christiansø Kommune"]
)
def test_christiansoe_is_not_a_municipality(text: str) -> None:
    error = _error(text)
    assert error.kind is ErrorKind.NOT_A_MUNICIPALITY
    assert error.params == {"query": text, "name": "Christiansø"}


@pytest.mark.parametrize("text", ["999", "0", "000", "100", "12345"])
def test_unknown_code_gives_no_suggestions(text: str) -> None:
    error = _error(text)
    assert error.kind is ErrorKind.MUNICIPALITY_UNKNOWN
    assert error.params["suggestions"] == []


def test_ambiguous_prefix_lists_the_choices() -> None:
    error = _error("frederiks")
    assert error.kind is ErrorKind.MUNICIPALITY_AMBIGUOUS
    assert error.params == {
        "query": "frederiks",
        "choices": ["Frederiksberg", "Frederikshavn", "Frederikssund"],
        "codes": [147, 813, 250],
    }
    assert _error("ha").params["choices"] == ["Haderslev", "Halsnæs"]


def test_ambiguous_choices_are_capped_at_ten() -> None:
    error = _error("s")
    assert error.kind is ErrorKind.MUNICIPALITY_AMBIGUOUS
    assert len(error.params["choices"]) == 10


def test_folding_does_not_split_a_letter_for_prefixes() -> None:
    # æ folds to "ae", but "a" does not start "Ærø"; "ho" does not start "Hørsholm".
    assert "Ærø" not in _error("a").params["choices"]
    assert _error("ho").params["choices"] == ["Holbæk", "Holstebro", "Horsens"]
    assert _error("hø").params["choices"] == ["Høje-Taastrup", "Hørsholm"]


def test_short_unique_prefix_is_only_a_suggestion() -> None:
    error = _error("æ")
    assert error.kind is ErrorKind.MUNICIPALITY_UNKNOWN
    assert error.params["suggestions"] == ["Ærø"]


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Silkebrog", "Silkeborg"),
        ("Arhsu", "Aarhus"),
        ("Kobenhvn", "København"),
        ("Odnese", "Odense"),
        ("Hundested", "Halsnæs"),
    ],
)
def test_near_miss_suggests(text: str, suggestion: str) -> None:
    error = _error(text)
    assert error.kind is ErrorKind.MUNICIPALITY_UNKNOWN
    assert error.params["query"] == text
    assert error.params["suggestions"][0] == suggestion
    assert len(error.params["suggestions"]) <= 3
    # Each suggestion comes with its code, so an answer can offer it as a choice.
    assert [DIRECTORY.name_of(c) for c in error.params["codes"]] == error.params["suggestions"]


# --- names typed without a Danish keyboard ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("kobenhavn", "København"),
        ("Koge", "Køge"),
        ("sonderborg", "Sønderborg"),
        ("Tarnby", "Tårnby"),
        ("Hojetastrup", "Høje-Taastrup"),
        ("hoje taastrup", "Høje-Taastrup"),
        ("Nastved", "Næstved"),
        ("Lyngby-Tarbak", "Lyngby-Taarbæk"),
        ("Arhus", "Aarhus"),
        ("Fano", "Fanø"),
        ("Aero", "Ærø"),
        ("Kobenhavns Kommune", "København"),
        ("Faborg-Midtfyn", "Faaborg-Midtfyn"),
    ],
)
def test_names_without_a_danish_keyboard_are_accepted_at_once(text: str, name: str) -> None:
    assert _name(text) == name


def test_the_loose_spelling_of_christiansoe_is_still_not_a_municipality() -> None:
    assert _error("Christianso").kind is ErrorKind.NOT_A_MUNICIPALITY


def test_folding_without_a_danish_keyboard_makes_no_two_names_collide() -> None:
    keys = Counter(loose_fold(m.name) for m in DIRECTORY.all())
    assert len(keys) == 98 and max(keys.values()) == 1
    # Nor does a name's loose key equal another municipality's exact spelling or alias.
    for m in DIRECTORY.all():
        assert DIRECTORY.resolve(loose_fold(m.name)).code == m.code, m.name


@pytest.mark.parametrize(
    "text", ["xyzzy", "!!!", ".", "kommune", "Region Hovedstaden", "\x00", "😀" * 300, "qq"]
)
def test_garbage_is_unknown_without_suggestions(text: str) -> None:
    error = _error(text)
    assert error.kind is ErrorKind.MUNICIPALITY_UNKNOWN
    assert error.params["suggestions"] == []


def test_very_long_input_is_truncated_in_the_error() -> None:
    error = _error("x" * 10_000)
    assert error.kind is ErrorKind.MUNICIPALITY_UNKNOWN
    assert len(error.params["query"]) == 100


def test_fold() -> None:
    assert fold("  Høje–Taastrup. ") == "hoeje taastrup"
    assert fold("ÆRØ") == fold("aeroe") == "aeroe"
    assert fold("Lyngby - Taarbæk") == "lyngby taarbaek"


# --- properties --------------------------------------------------------------------------------


def _check_outcome(text: str) -> None:
    try:
        result = DIRECTORY.resolve(text)
    except DomainError as error:
        assert error.kind in RESOLVE_KINDS
        if error.kind is ErrorKind.MUNICIPALITY_UNKNOWN:
            suggestions = error.params["suggestions"]
            assert len(suggestions) <= 3
            assert len(set(suggestions)) == len(suggestions)
            assert set(suggestions) <= NAMES
        elif error.kind is ErrorKind.MUNICIPALITY_AMBIGUOUS:
            choices = error.params["choices"]
            assert 2 <= len(choices) <= 10
            assert set(choices) <= NAMES
        elif error.kind is ErrorKind.NOT_A_MUNICIPALITY:
            assert error.params["name"] == "Christiansø"
    else:
        assert isinstance(result, Municipality)
        assert result.name in NAMES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_resolves_or_raises_a_domain_error(text: str) -> None:
    _check_outcome(text)


_name_like = st.builds(
    lambda name, cut, noise, upper: (name[:cut] + noise).upper() if upper else name[:cut] + noise,
    st.sampled_from(sorted(NAMES)),
    st.integers(min_value=0, max_value=20),
    st.text(alphabet="aeøåæ -.sx", max_size=4),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(_name_like)
def test_name_like_text_resolves_or_raises_a_domain_error(text: str) -> None:
    _check_outcome(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DIRECTORY.all()), st.sampled_from(["", " ", "  ", "\t"]))
def test_name_with_surrounding_whitespace_resolves(municipality: Municipality, pad: str) -> None:
    assert DIRECTORY.resolve(f"{pad}{municipality.name}{pad}") == municipality
