"""The unified social credit code check (GB 32100-2015), written out by hand for known codes."""
import pytest

from registry.codes import normalise_uscc, uscc_check_char, uscc_error


def test_check_character_by_hand():
    # 91350505 + MA0000001 : values 9,1,3,5,0,5,0,5,21(M),10(A),0,0,0,0,0,0,1
    # weighted: 9*1+1*3+3*9+5*27+0*19+5*26+0*16+5*17+21*20+10*29+0+0+0+0+0+0+1*28 = 1127
    # 1127 mod 31 = 11 → (31 - 11) mod 31 = 20 → 'L'
    assert uscc_check_char("91350505MA0000001") == "L"
    assert uscc_error("91350505MA0000001L") is None


def test_real_published_code_passes():
    # 华为技术有限公司's code as printed on its business licence.
    assert uscc_error("914403001922038216") is None
    assert "校验位错误" in uscc_error("914403001922038217")


@pytest.mark.parametrize("code,reason", [
    ("", "缺少"),
    ("91350505MA000000", "18 位"),
    ("91350505MA0000001I", "不允许的字符"),
    ("91350505MA000000OL", "不允许的字符"),
    ("91350505MA0000001K", "校验位错误（应为 L）"),
])
def test_bad_codes_explained_in_chinese(code, reason):
    assert reason in uscc_error(code)


def test_exception_list_accepts_a_legacy_code():
    assert uscc_error("91350505MA0000001K", exceptions={"91350505MA0000001K"}) is None


def test_normalisation_of_spaces_case_and_full_width_space():
    assert normalise_uscc(" 91350505ma0000001l ") == "91350505MA0000001L"
    assert normalise_uscc("913505 05ma000000\u30001L") == "91350505MA0000001L"
