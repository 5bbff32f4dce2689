from decimal import Decimal

import pytest

from yusuan.money import AmountError, format_amount, parse_amount, round_display


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12,593.11", 12_593_110_000),
        ("12593.11万元", 12_593_110_000),
        ("1,234,567.89元", 123_456_789),
        ("0", 0),
        ("0.000001", 1),  # one fen, written in 万元
        (" 7.6 ", 7_600_000),
        (Decimal("2.12"), 2_120_000),
        (3, 3_000_000),
    ],
)
def test_parse_amount(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize("text", ["abc", "", "1.2.3", "12,34.5", "1e5", "0.0000001", "--1"])
def test_parse_amount_refuses_non_amounts(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_float_is_refused():
    with pytest.raises(AmountError, match="浮点"):
        parse_amount(1.5)  # type: ignore[arg-type]


def test_display_rounds_half_up_to_two_decimals_of_wan():
    assert round_display(12_345) == Decimal("0.01")  # 123.45 元 = 0.012345 万元
    assert round_display(5_000) == Decimal("0.01")  # 0.005 万元 → half up
    assert round_display(4_999) == Decimal("0.00")
    assert format_amount(12_593_110_000) == "12593.11"
    assert format_amount(12_593_110_000, thousands=True) == "12,593.11"
    assert format_amount(0, blank_zero=True) == ""
    assert format_amount(123_456_789, "元") == "1234567.89"
