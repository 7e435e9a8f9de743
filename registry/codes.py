"""The unified social credit code (GB 32100-2015) and GB/T 4754-2017 industry codes."""
import re

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SPACES = re.compile(r"[\s\u3000\u00a0-]+")
INDUSTRY_CODE_RE = re.compile(r"^[A-T]\d{4}$")


def normalise_uscc(raw) -> str:
    """Upper-case and strip spaces (including full-width ones) and hyphens."""
    if raw is None:
        return ""
    return _SPACES.sub("", str(raw)).upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_error(code: str, exceptions=frozenset()) -> str | None:
    """Why a normalised code is not valid, in Chinese; None when it is (or is an approved exception)."""
    if not code:
        return "缺少统一社会信用代码"
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，实为 {len(code)} 位"
    bad = sorted({c for c in code if c not in USCC_VALUES})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}"
    if code[17] != uscc_check_char(code[:17]) and code not in exceptions:
        return f"统一社会信用代码校验位错误（应为 {uscc_check_char(code[:17])}）"
    return None


def with_check_char(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def normalise_industry_code(raw) -> str:
    if raw is None:
        return ""
    return _SPACES.sub("", str(raw)).upper()


def industry_code_error(code: str, division_sections: dict[str, str]) -> str | None:
    """A class code is a section letter and four digits whose first two are a division of that section."""
    if not code:
        return "缺少行业代码"
    if not INDUSTRY_CODE_RE.match(code):
        return "行业代码应为门类字母加 4 位数字（如 C2651）"
    section = division_sections.get(code[1:3])
    if section is None:
        return f"行业大类 {code[1:3]} 不存在"
    if section != code[0]:
        return f"行业大类 {code[1:3]} 属于门类 {section}，不属于门类 {code[0]}"
    return None
