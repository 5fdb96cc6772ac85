"""The code of a source file as the scanner reads it (steps 1 to 3 of
:mod:`jobdeps.analyzer.scanner`), all with regular expressions and no syntax tree:

- :func:`code_of`: the comments and string tokens (pre-3.12 lexing), the strings
  blanked and the comments dropped, on the same lines, with the path literals the
  collector would take from the strings;
- :func:`marks_of`: the keyword marks of :mod:`jobdeps.analyzer.marks` in that code;
- :func:`continuations`: which lines continue a logical line (inside a multi-line
  string, after a backslash, inside brackets left open);
- :func:`unfollowed`: syntax the scanner leaves to the statement-tree plan.

Anything these cannot be sure of raises :class:`NotSure`.
"""

from __future__ import annotations

import re
import warnings
from ast import literal_eval

from jobdeps.analyzer.marks import (
    FIELD_MARKS_RE,
    OTHER_MARKS,
    PLAIN_MARKS,
    keyword_kind,
    may_reuse_quotes,
)
from jobdeps.analyzer.pathlike import MAYBE_PATH_RE, looks_like_path


class NotSure(Exception):
    """The scanner cannot be sure: the statement-tree plan takes the file."""


# Comments and string tokens (no prefix: it is read from the text before the quote).
_TOKEN_RE = re.compile(
    r"#[^\n]*"
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
)
_PREFIXES = frozenset({"", "r", "u", "b", "f", "br", "rb", "fr", "rf"})
# A string body that may be a path once its escapes are read: path characters and
# escapes only (a final newline is the reference's ``$`` quirk).
_ESCAPED_PATH_RE = re.compile(r"(?:[\w./-]|\\N\{[^}\n]*\}|\\[\s\S])*\n?")
_NOT_BRACKET_RE = re.compile(r"[^()\[\]{}\n]+")
#: ``str.translate`` table that keeps only brackets and newlines of ASCII text (4x
#: faster than the regex above, which is left for other text).
_ONLY_BRACKETS = {i: None for i in range(128) if chr(i) not in "()[]{}\n"}
_SEGMENT_RE = re.compile(r"[^\n]+")
_BACKSLASH_RE = re.compile(r"\\\n")
_PLAIN_MARKS_RE = re.compile(PLAIN_MARKS)
# One pattern per mark: each starts with a literal, so the regex engine skips ahead
# to it fast (their alternation tries every position: 4x slower over sympy).
_OTHER_MARK_RES = tuple(re.compile(mark) for mark in OTHER_MARKS)

# Syntax the collector reports as a feature (or that this scanner does not follow),
# when it starts a line (checked in Python on the few hits).
_UNFOLLOWED_RES = tuple(
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        r"except[ \t]*\*",
        r"def[ \t]+\w+[ \t]*\[",  # type parameters
        r"class[ \t]+\w+[ \t]*\[",
        r"type[ \t]+[^\W\d]\w*[ \t]*[\[=]",  # a type alias statement
    )
)
# ``a.b.`` right before an attribute: its head name.
_ATTRIBUTE_HEAD_RE = re.compile(r"([^\W\d]\w*)(?:\s*\.\s*[^\W\d]\w*)*\s*\.\s*\Z")
_WORD_RE = re.compile(r"\w+")


def code_of(text: str) -> tuple[str, list[tuple[int, int]], list[tuple[int, str]]]:
    """The code with strings blanked and comments dropped (same lines), the line
    spans of multi-line strings, and the path literals ``(line, value)``."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    literals: list[tuple[int, str]] = []
    last = 0
    line, counted = 1, 0  # line number at position ``counted``
    for match in _TOKEN_RE.finditer(text):
        start, end = match.span()
        token = match.group()
        if token[0] == "#":
            parts.append(text[last:start])
            last = end
            continue
        prefix = _prefix(text, start)
        newlines = token.count("\n")
        quote = _quote_length(token)
        if "f" in prefix:
            body = token[quote:-quote]
            if "{" in body:
                if may_reuse_quotes(token, quote, token[:quote]):
                    raise NotSure("an f-string that may reuse its quotes")
                nested = _field_strings(body)
                if nested:
                    line += text.count("\n", counted, start)
                    counted = start
                    for offset, value in nested:
                        literals.append((line + token.count("\n", 0, quote + offset), value))
        elif "b" not in prefix:
            value = _path_value(token, quote, prefix)
            if value is not None:
                line += text.count("\n", counted, start)
                counted = start
                literals.append((line, value))
        parts.append(text[last:start])
        parts.append('""')
        if newlines:
            line += text.count("\n", counted, start)
            counted = start
            parts.append("\n" * newlines)
            spans.append((line, line + newlines))
        last = end
    parts.append(text[last:])
    return "".join(parts), spans, literals


def _prefix(text: str, start: int) -> str:
    """The string prefix before the quote at ``start`` (``rb``, ``f``...), lowercased."""
    begin = start
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_"):
        begin -= 1
        if start - begin > 2:
            raise NotSure("letters glued to a quote")
    prefix = text[begin:start].lower()
    if prefix not in _PREFIXES:
        raise NotSure("letters glued to a quote")  # ``if"x"``: leave it to the plan
    return prefix


def _quote_length(token: str) -> int:
    """3 for a triple-quoted string token, else 1."""
    return 3 if len(token) >= 6 and token[:3] in ("'''", '"""') else 1


def _path_value(token: str, quote: int, prefix: str) -> str | None:
    """The value of a plain string token when the reference takes it for a path."""
    body = token[quote:-quote]
    if "\\" in body and "r" not in prefix:
        # escapes can spell any character: only those that can only be path
        # characters once unescaped are worth evaluating (any length)
        if not _ESCAPED_PATH_RE.fullmatch(body):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                body = literal_eval(token)
        except Exception:
            raise NotSure("a string literal_eval rejects") from None
    elif len(body) > 201 or ("/" not in body and "." not in body):
        return None
    if body and MAYBE_PATH_RE.match(body) and looks_like_path(body):
        return body.removeprefix("./")
    return None


def _field_strings(body: str) -> list[tuple[int, str]]:
    """The path literals of the strings inside an f-string's replacement fields, as
    ``(offset in body, value)``: the collector visits those strings (and calls, which
    the keyword marks cover). NotSure for anything this does not follow."""
    found: list[tuple[int, str]] = []
    if "'" not in body and '"' not in body:  # no string inside: only code to mark
        fields = body.replace("{{", "").replace("}}", "")
        if "{" not in fields or FIELD_MARKS_RE.search(fields) is None:
            return found
        # a mark in the text or in a field (``f"{__name__} is imported"``): the loop tells
    i, size = 0, len(body)
    while i < size:
        char = body[i]
        if char == "}":
            i += 2 if body.startswith("}}", i) else 1
            continue
        if char != "{":
            i += 1
            continue
        if body.startswith("{{", i):
            i += 2
            continue
        depth, j = 1, i + 1
        while j < size and depth:  # the field: up to its closing brace, strings skipped
            char = body[j]
            if char in "'\"":
                match = _TOKEN_RE.match(body, j)
                if match is None:
                    raise NotSure("a string in an f-string field")
                token = match.group()
                prefix = _prefix(body, j)
                if "f" in prefix:
                    raise NotSure("an f-string in an f-string")
                if "b" not in prefix:
                    value = _path_value(token, _quote_length(token), prefix)
                    if value is not None:
                        found.append((j, value))
                j = match.end()
                continue
            if char in "#\\":
                raise NotSure("a comment or a backslash in an f-string field")
            if char in "{[(":
                depth += 1
            elif char in "}])":
                depth -= 1
            j += 1
        if depth:
            raise NotSure("an f-string field left open")
        field = _TOKEN_RE.sub('""', body[i + 1 : j - 1])
        if any(keyword_kind(field, m) is not None for m in FIELD_MARKS_RE.finditer(field)):
            raise NotSure("code in an f-string the collector may read")
        i = j
    return found


def continuations(code: str, count: int, spans: list[tuple[int, int]]) -> bytearray:
    """1 for each line that continues the logical line before it."""
    cont = bytearray(count + 2)
    for a, b in spans:
        cont[a + 1 : b + 1] = b"\x01" * (b - a)
    line, last = 1, 0
    for match in _BACKSLASH_RE.finditer(code):
        line += code.count("\n", last, match.start())
        last = match.start()
        cont[line + 1] = 1
    brackets = code.translate(_ONLY_BRACKETS) if code.isascii() else _NOT_BRACKET_RE.sub("", code)
    while True:  # drop the pairs opened and closed on one line (any order: one result)
        reduced = brackets.replace("()", "").replace("[]", "").replace("{}", "")
        if len(reduced) == len(brackets):
            break
        brackets = reduced
    depth, opened = 0, 0
    line, last = 1, 0
    for match in _SEGMENT_RE.finditer(brackets):
        line += brackets.count("\n", last, match.start())
        last = match.start()
        for char in match.group():
            if char in "([{":
                if depth == 0:
                    opened = line
                depth += 1
            else:
                depth -= 1
                if depth < 0:
                    raise NotSure("unbalanced brackets")
                if depth == 0 and line > opened:
                    cont[opened + 1 : line + 1] = b"\x01" * (line - opened)
    if depth:
        raise NotSure("unbalanced brackets")
    return cont


def marks_of(code: str) -> tuple[dict[int, str], list[tuple[str, bool, int]]]:
    """Lines of the code's keyword marks, by what they can be: ``import`` (the
    keyword: an import statement must hold it) or ``test`` (``__name__`` and
    ``TYPE_CHECKING``, read only in ``if`` tests); and each ``import_module``,
    ``__import__`` or ``exec`` word as ``(head, is_attribute, offset)`` (the last
    two as heads of themselves), judged once the file's imports are known.
    Any other mark is the collector's business: NotSure."""
    hits: dict[int, str] = {}
    module_calls: list[tuple[str, bool, int]] = []
    for pattern in _OTHER_MARK_RES:
        for match in pattern.finditer(code):
            if keyword_kind(code, match) is not None:
                if match.group(0) == "exec":
                    # runs a file only as ``exec(open(...).read())`` and the like
                    module_calls.append(("exec", False, match.start()))
                    continue
                # sys.path, runpy, addsitedir, Path / "x", subprocess, os.system:
                # the collector's business
                raise NotSure(match.group(0))
    line, last = 1, 0
    for match in _PLAIN_MARKS_RE.finditer(code):
        word = match.group(0)
        start = match.start()
        if word == "import":
            begin = start
            while begin > 0 and (code[begin - 1].isalnum() or code[begin - 1] == "_"):
                begin -= 1
            whole = _WORD_RE.match(code, begin).group()  # type: ignore[union-attr]
            if whole == "import_module":
                module_calls.append((*_caller(code, begin), begin))
                continue
            if whole == "__import__":
                attribute = code[max(0, begin - 100) : begin].rstrip(" \t").endswith(".")
                module_calls.append(("__import__", attribute, begin))
                continue
            if whole != "import":
                continue  # ``importlib``, ``importorskip``, ``_important``: no fact
            what = "import"
        else:  # __name__, TYPE_CHECKING
            what = "test"
        line += code.count("\n", last, start)
        last = start
        if hits.get(line) != "import":
            hits[line] = what
    return hits, module_calls


def _caller(code: str, begin: int) -> tuple[str, bool]:
    """``(head, True)`` for ``head.x.import_module``, ``("", False)`` for a bare name."""
    end = begin
    while end > 0 and code[end - 1] in " \t":
        end -= 1
    if end == 0 or code[end - 1] != ".":
        return "", False
    window = max(0, end - 200)
    match = _ATTRIBUTE_HEAD_RE.search(code, window, end)
    if match is not None and (match.start() > window or window == 0):
        return match.group(1), True
    before = code[: end - 1].rstrip(" \t")
    if before.endswith((")", "]")):
        return "", True  # ``f().import_module``: not a dotted name, never a fact
    raise NotSure("an import_module attribute")


def starts_line(code: str, start: int) -> bool:
    """Is only indentation (or ``async``) before ``start`` on its line?"""
    before = code[code.rfind("\n", 0, start) + 1 : start].strip(" \t")
    return before == "" or before == "async"


def unfollowed(code: str) -> bool:
    return any(
        starts_line(code, match.start())
        for pattern in _UNFOLLOWED_RES
        for match in pattern.finditer(code)
    )
