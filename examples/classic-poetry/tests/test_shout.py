from classic_poetry import shout


def test_shout_is_red_and_upper() -> None:
    assert shout("hi") == "\x1b[31mHI\x1b[0m"
