"""Holder names: the same person matches across a bank's spellings, a different person never does."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from skillsprogram.domain.exchange import AccountCheck
from skillsprogram.domain.lifecycle import AccountStatus
from skillsprogram.domain.names import MIN_SKELETON, NO_TITLES, Titles, fold, same_name, skeleton
from skillsprogram.services.accounts import account_verdict

#: Titles of several countries' names, as their programmes would list them in
#: ``[identity] name_titles`` (the core itself knows none).
WORLD_TITLES = Titles.of(
    (
        # English and common abbreviations
        "mr",
        "mrs",
        "ms",
        "miss",
        "mister",
        "madam",
        "mdm",
        "dr",
        "prof",
        "sir",
        # Indonesian / Malay
        "bapak",
        "bpk",
        "ibu",
        "sdr",
        "sdri",
        "saudara",
        "saudari",
        "tuan",
        "nyonya",
        "ny",
        "nona",
        "encik",
        "puan",
        # Khmer, romanised and in script
        "lok",
        "lok srey",
        "neak",
        "neak srey",
        "neak nang",
        "kanha",
        "លោក",
        "លោកស្រី",
        "អ្នក",
        "អ្នកស្រី",
        "អ្នកនាង",
        "កញ្ញា",
        # Thai, romanised and in script
        "nai",
        "nang",
        "nangsao",
        "nang sao",
        "นาย",
        "นาง",
        "นางสาว",
        "น.ส.",
        "ด.ช.",
        "ด.ญ.",
        "เด็กชาย",
        "เด็กหญิง",
        # Lao, romanised and in script
        "thao",
        "ທ້າວ",
        "ນາງ",
        "ນາງສາວ",
        # Arabic, romanised and in script
        "sayyid",
        "sayyida",
        "السيد",
        "السيدة",
    )
)


def matches(a: str, b: str) -> bool:
    """``same_name`` with the titles above."""
    return same_name(a, b, WORLD_TITLES)


def folded(name: str) -> str:
    """``fold`` with the titles above."""
    return fold(name, WORLD_TITLES)


# The same person as the programme holds the name and as a bank returns it.
SAME_PERSON = [
    # Khmer
    ("សុខ ដារា", "សុខ ដារា"),
    ("សុខ ដារា", "លោក សុខ ដារា"),
    ("សុខ ដារា", "សុខ\u200bដារា"),  # a zero-width space between the words
    ("សុខ ដារា", "សុខដារា"),
    ("សុខ ដារា", "SOK DARA"),
    ("សុខ ដារា", "Lok Sok Dara"),
    ("ចាន់ សុភា", "Chan Sophea"),
    ("ចាន់ សុភា", "អ្នកនាង ចាន់ សុភា"),
    ("ចាន់ សុភា", "Neak Nang CHAN SOPHEA"),
    ("ហ៊ុន សែន", "Hun Sen"),
    ("គឹម សុខា", "KEM SOKHA"),
    ("ប៊ុន រ៉ានី", "Bun Rany"),
    # Thai
    ("สมชาย ใจดี", "นายสมชาย ใจดี"),
    ("สมชาย ใจดี", "นาย สมชาย  ใจดี"),
    ("สมชาย ใจดี", "MR. SOMCHAI JAIDEE"),
    ("สมชาย ใจดี", "Nai Somchai Jaidee"),
    ("สมศรี รักไทย", "นางสาวสมศรี รักไทย"),
    ("สมศรี รักไทย", "Miss Somsri Rakthai"),
    # Arabic
    ("محمد علي", "مُحَمَّد عَلِي"),  # with the optional vowel marks
    ("محمد علي", "Mohammed Ali"),
    ("محمد علي", "MUHAMMAD ALI"),
    ("أحمد حسن", "احمد حسن"),  # alef with or without hamza
    ("أحمد حسن", "السيد أحمد حسن"),
    ("أحمد حسن", "Ahmed Hassan"),
    ("فاطمة الزهراء", "فاطمه الزهراء"),  # teh marbuta written as heh
    ("عبد الله", "Abdullah"),
    ("خالد قاسم", "Khalid Qasim"),
    # Lao
    ("ບຸນມີ ສີສະຫວາດ", "ທ້າວ ບຸນມີ ສີສະຫວາດ"),
    ("ບຸນມີ ສີສະຫວາດ", "BOUNMY SISAVATH"),
    ("ສົມພອນ ແກ້ວມະນີ", "Nang Somphone Keomany"),
    ("ໄຊສົມບູນ ພົມວິຫານ", "Xaysomboun Phomvihane"),
    ("ຊາຍ ສຸກ", "Xay Souk"),
    # Latin / Indonesian
    ("Siti Rahma", "SITI RAHMA"),
    ("Siti Rahma", "  siti   rahma "),
    ("Budi Santoso", "Bapak Budi Santoso"),
    ("Budi Santoso", "BPK. BUDI SANTOSO"),
    ("Ani Lestari", "Ibu Ani Lestari"),
    ("Ani Lestari", "Ny. Ani Lestari"),
    ("José Núñez", "JOSE NUNEZ"),
    ("Nguyễn Thị Minh Khai", "NGUYEN THI MINH KHAI"),
    ("Sean O'Brien", "MR SEAN OBRIEN"),
    ("Jean-Paul Sartre", "Jean Paul Sartre"),
    ("Łukasz Żółw", "Lukasz Zolw"),
]

# Different people, some of them as a bank could spell them.
DIFFERENT_PEOPLE = [
    ("សុខ ដារា", "ចាន់ សុភា"),
    ("សុខ ដារា", "សុខ ដាវី"),
    ("សុខ ដារា", "Chan Sophea"),
    ("សុខ ដារា", "សុខ Other"),  # the sandbox rail's mismatch
    ("สมชาย ใจดี", "สมศรี รักไทย"),
    ("สมชาย ใจดี", "สมชาย ใจงาม"),
    ("สมชาย ใจดี", "Somsri Rakthai"),
    ("محمد علي", "أحمد حسن"),
    ("محمد علي", "محمد حسن"),
    ("محمد علي", "Ahmed Hassan"),
    ("ບຸນມີ ສີສະຫວາດ", "ສົມພອນ ແກ້ວມະນີ"),
    ("ບຸນມີ ສີສະຫວາດ", "Somphone Keomany"),
    ("Siti Rahma", "Siti Rahmi"),
    ("Siti Rahma", "Rahma Siti"),
    ("Budi Santoso", "Budi Santosa"),
    ("Budi Santoso", "Budi Other"),
    ("Ani Lestari", "Ana Lestari"),
    # the same letters in two native scripts say nothing about each other
    ("ສົມພອນ", "สมพร"),
]

NOBODY = ["", "   ", "...", "Mr", "Mrs.", "Bapak Ibu", "លោក", "นาย", "ທ້າວ", "السيد", "Lok Srey", "\u200b"]


@pytest.mark.parametrize(("ours", "banks"), SAME_PERSON)
def test_the_same_person_matches_whatever_the_banks_spelling(ours: str, banks: str) -> None:
    assert matches(ours, banks)
    assert matches(banks, ours)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PEOPLE)
def test_different_people_never_match(a: str, b: str) -> None:
    assert not matches(a, b)
    assert not matches(b, a)


@pytest.mark.parametrize("name", NOBODY)
def test_an_empty_or_all_title_name_matches_nothing(name: str) -> None:
    assert folded(name) == ""
    for other in [name, "", "Mr", "Siti Rahma", "សុខ ដារា", "สมชาย ใจดี"]:
        assert not matches(name, other)
        assert not matches(other, name)


def test_non_latin_names_fold_to_their_own_letters_not_to_nothing() -> None:
    assert folded("សុខ ដារា") == "សុខ ដារា"
    assert folded("นายสมชาย ใจดี") == "สมชาย ใจดี"
    assert folded("مُحَمَّد") == "محمد"
    assert folded("ທ້າວ ບຸນມີ") == "ບຸນມີ"


def test_an_account_held_in_another_khmer_name_is_rejected() -> None:
    status, reason = account_verdict(
        AccountCheck(True, holder_name="ចាន់ សុភា"), "សុខ ដារា", "the beneficiary's own name", WORLD_TITLES
    )
    assert status is AccountStatus.REJECTED
    assert reason == "the account is not in the beneficiary's own name"
    verified, _ = account_verdict(
        AccountCheck(True, holder_name="LOK SOK DARA"), "សុខ ដារា", "x", WORLD_TITLES
    )
    assert verified is AccountStatus.VERIFIED


def test_the_core_alone_takes_no_word_for_a_title() -> None:
    assert fold("Bapak Budi Santoso") == "bapak budi santoso"
    assert not same_name("Budi Santoso", "Bapak Budi Santoso")
    assert not same_name("สมชาย ใจดี", "นายสมชาย ใจดี", NO_TITLES)
    status, _ = account_verdict(AccountCheck(True, holder_name="LOK SOK DARA"), "សុខ ដារា", "x")
    assert status is AccountStatus.REJECTED


def test_a_programme_s_titles_are_left_out_only_at_the_front_of_a_name() -> None:
    titles = Titles.of(("ibu", "นาย"))
    assert same_name("Ani Lestari", "IBU ANI LESTARI", titles)
    assert not same_name("Ani Lestari", "Ani Ibu Lestari", titles)
    assert fold("นายสมชาย", titles) == "สมชาย"
    assert fold("นายสมชาย", Titles.of(("ibu",))) == "นายสมชาย"


# Letters of each script that no folding rule touches (no case, no variants, no marks),
# so that two different draws are two different names.
ALPHABETS = {
    "khmer": "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអ",
    "thai": "กขคฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ",
    "lao": "ກຂຄງຈສຊຍດຕຖທນບປຜຝພຟມຢຣລວຫອຮ",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "latin": "abcdefghijklmnopqrstuvwxyz",
}


def names_in(alphabet: str) -> st.SearchStrategy[list[str]]:
    """A personal name as words of one script (no title in front)."""
    word = st.text(alphabet=alphabet, min_size=1, max_size=8)
    return st.lists(word, min_size=1, max_size=4).filter(lambda words: folded(" ".join(words)) != "")


def spelled_by_a_bank(words: list[str], data: st.DataObject) -> str:
    """The same name with a bank's usual differences: spacing, case, punctuation, a title."""
    title = data.draw(st.sampled_from(["", "Mr. ", "BAPAK ", "Ibu ", "Lok ", "นาย ", "ນາງ ", "السيد "]))
    space = data.draw(st.sampled_from([" ", "  ", " \t", ", "]))
    text = space.join(words)
    text = data.draw(st.sampled_from([text, text.upper(), text.title()]))
    return f"{title}{text}"


@given(data=st.data(), script=st.sampled_from(sorted(ALPHABETS)))
def test_a_name_never_matches_a_different_name_of_the_same_script(data: st.DataObject, script: str) -> None:
    a = data.draw(names_in(ALPHABETS[script]))
    b = data.draw(names_in(ALPHABETS[script]))
    assume("".join(folded(" ".join(a)).split()) != "".join(folded(" ".join(b)).split()))
    assert not matches(spelled_by_a_bank(a, data), spelled_by_a_bank(b, data))


@given(data=st.data(), script=st.sampled_from(sorted(ALPHABETS)))
def test_a_name_matches_itself_as_a_bank_spells_it(data: st.DataObject, script: str) -> None:
    words = data.draw(names_in(ALPHABETS[script]))
    assert matches(" ".join(words), spelled_by_a_bank(words, data))


@given(a=st.text(max_size=30), b=st.text(max_size=30))
def test_matching_is_symmetric(a: str, b: str) -> None:
    assert matches(a, b) == matches(b, a)


@given(name=st.text(max_size=40))
@example(name="0:\ua722")  # a Latin letter romanised as punctuation
def test_folding_is_idempotent(name: str) -> None:
    assert folded(folded(name)) == folded(name)


@given(
    a=st.text(alphabet=ALPHABETS["latin"] + " ", max_size=20),
    b=st.text(alphabet=ALPHABETS["khmer"] + ALPHABETS["thai"] + " ", max_size=20),
)
def test_any_name_in_two_scripts_matches_only_with_a_skeleton_of_two_consonants(a: str, b: str) -> None:
    if matches(a, b):
        assert len(skeleton(folded(a))) >= MIN_SKELETON


@given(name=st.text(max_size=30))
def test_a_name_with_anything_personal_in_it_matches_itself(name: str) -> None:
    assert matches(name, name) == (folded(name) != "")
