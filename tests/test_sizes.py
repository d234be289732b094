"""Sizes: one accepted spelling per meaning, a precise hint for every near miss."""

from __future__ import annotations

import pytest

from oomcfg.model import Size
from oomcfg.sizes import MAX_BYTES, SizeError, parse_percent, parse_size, size_from_int


@pytest.mark.parametrize(
    ("text", "size", "canonical"),
    [
        ("0", Size("bytes", 0), "0"),
        ("1000", Size("bytes", 1000), "1000"),
        ("1024", Size("bytes", 1024), "1K"),
        ("2048K", Size("bytes", 2 << 20), "2M"),
        ("512M", Size("bytes", 512 << 20), "512M"),
        ("1536M", Size("bytes", 1536 << 20), "1536M"),
        ("2G", Size("bytes", 2 << 30), "2G"),
        ("1024G", Size("bytes", 1 << 40), "1T"),
        ("3T", Size("bytes", 3 << 40), "3T"),
        ("0%", Size("percent", 0), "0%"),
        ("50%", Size("percent", 50), "50%"),
        ("100%", Size("percent", 100), "100%"),
        ("infinity", Size("infinity"), "infinity"),
    ],
)
def test_accepted_sizes_parse_and_render_canonically(text: str, size: Size, canonical: str) -> None:
    assert parse_size(text) == size
    assert size.render() == canonical


@pytest.mark.parametrize(
    ("text", "hint_part"),
    [
        ("2g", "write '2G'"),  # bad-inputs.md: MemoryMax=2g must be rejected
        ("2GB", "write '2G'"),
        ("2GiB", "write '2G'"),
        ("2gib", "write '2G'"),
        ("2 G", "write '2G'"),
        ("2048m", "write '2G'"),
        ("1.5G", "write '1536M'"),
        ("0.5k", "write '512'"),
        ("1.1", "whole number of bytes"),
        ("0.3K", "whole number of bytes"),
        ("512B", "write '512'"),
        ("2X", "allowed:"),
        ("9" * 5000 + "G", "allowed:"),  # never int() a 5000-digit string
        ("1" + "0" * 20, "allowed:"),
        ("2GX", "allowed:"),
        ("120%", "allowed:"),
        ("12.5%", "allowed:"),
        ("-1G", "allowed:"),
        ("0100", "write '100'"),
        ("inf", "write 'infinity'"),
        ("unlimited", "write 'infinity'"),
        ("", "allowed:"),
        ("2P", "allowed:"),
    ],
)
def test_rejected_sizes_say_what_to_write(text: str, hint_part: str) -> None:
    with pytest.raises(SizeError) as err:
        parse_size(text)
    assert hint_part in err.value.hint


def test_percent_can_be_refused_where_systemd_does_not_take_it() -> None:
    with pytest.raises(SizeError, match="percentage"):
        parse_size("50%", percent=False)
    assert parse_size("infinity", percent=False) == Size("infinity")


def test_byte_counts_stay_below_uint64_max_which_means_infinity() -> None:
    assert size_from_int(MAX_BYTES) == Size("bytes", MAX_BYTES)
    for bad in (-1, MAX_BYTES + 1):
        with pytest.raises(SizeError, match="out of range"):
            size_from_int(bad)
    with pytest.raises(SizeError):
        parse_size("16777216T")  # 2^64 bytes


@pytest.mark.parametrize(("text", "value"), [("0%", 0), ("60%", 60), ("100%", 100)])
def test_percentages(text: str, value: int) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize("text", ["60", "101%", "60.5%", "-1%", "60 %", "060%", "9" * 5000 + "%"])
def test_bad_percentages(text: str) -> None:
    with pytest.raises(SizeError):
        parse_percent(text)
