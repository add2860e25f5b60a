import pytest

from splitfolders import ratio_counts


def test_counts_add_up() -> None:
    assert ratio_counts(10, (0.8, 0.1, 0.1)) == [8, 1, 1]
    assert sum(ratio_counts(7, (0.5, 0.5))) == 7


def test_bad_ratio() -> None:
    with pytest.raises(ValueError):
        ratio_counts(3, (0.5, 0.2))
