"""docs/rules.md documents exactly the registered rules, each with an example and a fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobdeps.analyzer.findings import GROUPS, Rule, all_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
HEADING = re.compile(r"^## ([A-Z]{3}\d{3}) (\S+)\s*$", re.MULTILINE)
SEVERITY = re.compile(r"^- Default severity: \*\*(error|warning|info)\*\* \(group `(\w+)`\)$", re.M)
FENCE = re.compile(r"```[\w-]*\n.*?\n```", re.DOTALL)


def _sections(text: str) -> dict[str, tuple[str, str]]:
    """``code -> (name, body)`` for every ``## CODE name`` heading, body up to the next ``## ``."""
    out: dict[str, tuple[str, str]] = {}
    matches = list(HEADING.finditer(text))
    for i, match in enumerate(matches):
        code, name = match.group(1), match.group(2)
        assert code not in out, f"{code} has two sections"
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        nxt = re.search(r"^## ", body, re.MULTILINE)
        out[code] = (name, body[: nxt.start()] if nxt else body)
    return out


@pytest.fixture(scope="module")
def sections() -> dict[str, tuple[str, str]]:
    return _sections(DOC.read_text(encoding="utf-8"))


def _rule_ids() -> list[str]:
    return [r.code for r in all_rules()]


def test_catalog_is_not_empty_and_every_group_has_rules() -> None:
    groups = {r.group for r in all_rules()}
    assert groups == set(GROUPS)


@pytest.mark.parametrize("code", _rule_ids())
def test_every_rule_has_a_section_with_its_name_and_severity(code: str, sections) -> None:
    rule: Rule = next(r for r in all_rules() if r.code == code)
    assert code in sections, f"docs/rules.md has no `## {code} {rule.name}` section"
    name, body = sections[code]
    assert name == rule.name
    found = SEVERITY.findall(body)
    assert found == [(rule.severity.value, rule.group)], f"{code}: severity line {found}"
    assert f"- Summary: {rule.summary}\n" in body, f"{code}: summary differs from the catalog"
    assert f"- Hint: {rule.hint}\n" in body, f"{code}: hint differs from the catalog"


@pytest.mark.parametrize("code", _rule_ids())
def test_every_section_has_a_failing_example_and_a_fix(code: str, sections) -> None:
    _name, body = sections[code]
    fail_at = body.find("**Example that fails**")
    fix_at = body.find("**Fix**")
    assert fail_at != -1, f"{code}: no 'Example that fails'"
    assert fix_at > fail_at, f"{code}: no 'Fix' after the example"
    example, fix = body[fail_at:fix_at], body[fix_at:]
    assert FENCE.search(example), f"{code}: the failing example has no code block"
    assert FENCE.search(fix), f"{code}: the fix has no code block"
    assert FENCE.search(example).group() != FENCE.search(fix).group(), f"{code}: fix == example"


def test_every_heading_is_a_registered_rule(sections) -> None:
    registered = set(_rule_ids())
    unknown = sorted(set(sections) - registered)
    assert not unknown, f"docs/rules.md documents unregistered codes: {unknown}"


def test_sections_are_sorted_by_code() -> None:
    codes = HEADING.findall(DOC.read_text(encoding="utf-8"))
    assert [c for c, _ in codes] == sorted(c for c, _ in codes)


def test_index_lists_every_rule_once() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[([A-Z]{3}\d{3})\]\(#([\w-]+)\) \| ([\w-]+) \|", text, re.M)
    assert sorted(code for code, _a, _n in rows) == _rule_ids()
    for code, anchor, name in rows:
        assert anchor == f"{code}-{name}".lower()


def test_parser_rejects_a_section_without_fix() -> None:
    """The checks above can fail: a section missing its fix is seen as such."""
    text = "## XYZ001 broken\n\n**Example that fails**\n\n```text\nbad\n```\n\n## XYZ002 ok\n"
    parsed = _sections(text)
    assert set(parsed) == {"XYZ001", "XYZ002"}
    assert "**Fix**" not in parsed["XYZ001"][1]
