"""Unified social credit code, GB 32100-2015."""

import pytest
from django.core.exceptions import ValidationError

from consultancy.clients.validators import uscc_check_character, validate_uscc

# Real, published codes (their check characters are right by GB 32100).
VALID = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code):
    validate_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]


def test_lower_case_and_spaces_are_normalized():
    validate_uscc(" 91350100m000100y43 ")


@pytest.mark.parametrize(
    ("code", "code_name", "words"),
    [
        ("91350100M000100Y44", "uscc_checksum", "3"),  # the message names the right one
        ("91350100M000100Y4", "uscc_length", "17"),
        ("91350100M0001O0Y43", "uscc_charset", "O"),
        ("913501X0M000100Y43", "uscc_division", ""),
    ],
)
def test_wrong_codes_say_what_is_wrong(code, code_name, words):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    err = exc.value.error_list[0]
    assert err.code == code_name
    assert words in str(err.message % err.params if err.params else err.message)
