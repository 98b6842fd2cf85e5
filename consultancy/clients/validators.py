"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organization category (1), administrative
division (6, digits), organization code (9, with its own GB 11714 check character) and a
check character computed over the first 17 with weights 3^i mod 31.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_character(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_uscc(value: str) -> None:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        raise ValidationError(
            _(
                "The code contains characters that never occur in a unified social credit "
                "code: %(chars)s (the letters I, O, S, V and Z are not used)."
            ),
            code="uscc_charset",
            params={"chars": " ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 are the administrative division code and must be digits."),
            code="uscc_division",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character (the last one) is wrong: by GB 32100 it should be "
                "%(expected)s. Please check the code for a typing error."
            ),
            code="uscc_checksum",
            params={"expected": expected},
        )
