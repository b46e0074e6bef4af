import datetime as dt

import pytest

from wangge.people.identity import (
    InvalidValue,
    check_digit,
    mask_id,
    mask_phone,
    parse_id_number,
    parse_phone,
)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        # The example of GB 11643-1999 (check digit X) and other published examples.
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("440524188001010014", dt.date(1880, 1, 1), "M"),
        ("330103199003071237", dt.date(1990, 3, 7), "M"),
        ("11010519491231002x", dt.date(1949, 12, 31), "F"),  # lower-case x accepted
    ],
)
def test_valid_numbers_give_birth_date_and_sex(number, birth, sex):
    parsed = parse_id_number(number)
    assert parsed.number == number.upper()
    assert (parsed.birth_date, parsed.sex) == (birth, sex)


def test_check_digit_is_iso_7064_mod_11_2():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit (X expected)
        "440524188001010015",  # wrong check digit (4 expected)
        "11010519491231002",  # 17 characters
        "1101051949123100XX",  # X not last
        "110105194902300026",  # 30 February
        "110105290001010019",  # born in 2900
    ],
)
def test_invalid_numbers_are_refused(number):
    with pytest.raises(InvalidValue):
        parse_id_number(number)


def test_fifteen_digit_number_is_converted():
    parsed = parse_id_number("130503670401001")
    assert parsed.number == "130503196704010016"
    assert parsed.birth_date == dt.date(1967, 4, 1)
    assert parsed.sex == "M"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0571-87654321", "057187654321"),
        ("010 12345678", "01012345678"),
        ("0571-8765432转123", "05718765432-123"),
    ],
)
def test_phones(raw, clean):
    assert parse_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "87654321", "abc", "0571-123"])
def test_bad_phones(raw):
    with pytest.raises(InvalidValue):
        parse_phone(raw)


def test_masks():
    assert mask_id("330103199003071237") == "330103********1237"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("057187654321") == "0571****4321"
