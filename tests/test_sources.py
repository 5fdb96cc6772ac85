"""Decoding source files like CPython: PEP 263 cookies, BOMs, and every failure as data."""

from __future__ import annotations

import os

import pytest

from jobdeps.analyzer.sources import SourceProblem, SourceText, decode_source, read_source


def test_utf8_default_and_bom() -> None:
    plain = decode_source("x = 'é'\n".encode())
    assert isinstance(plain, SourceText) and plain.text == "x = 'é'\n"
    bom = decode_source(b"\xef\xbb\xbfimport os\n")
    assert isinstance(bom, SourceText) and bom.text == "import os\n"


def test_latin1_cookie() -> None:
    data = "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n".encode("latin-1")
    result = decode_source(data)
    assert isinstance(result, SourceText)
    assert result.encoding == "iso-8859-1"
    assert "café" in result.text


def test_undecodable_names_the_line() -> None:
    result = decode_source(b"import os\nx = '\xff\xfe'\n")
    assert isinstance(result, SourceProblem)
    assert result.kind == "undecodable" and result.line == 2


def test_unknown_cookie_is_a_problem() -> None:
    result = decode_source(b"# coding: no-such-codec\nimport os\n")
    assert isinstance(result, SourceProblem) and result.kind == "undecodable"


def test_crlf_is_normalised() -> None:
    result = decode_source(b"import os\r\nimport sys\r\n")
    assert isinstance(result, SourceText) and result.text == "import os\nimport sys\n"


def test_too_large(tmp_path) -> None:
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 100)
    result = read_source(path, max_bytes=50)
    assert isinstance(result, SourceProblem) and result.kind == "too-large"


def test_symlink_loop(tmp_path) -> None:
    os.symlink(tmp_path / "b.py", tmp_path / "a.py")
    os.symlink(tmp_path / "a.py", tmp_path / "b.py")
    result = read_source(tmp_path / "a.py")
    assert isinstance(result, SourceProblem) and result.kind == "symlink-loop"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable(tmp_path) -> None:
    path = tmp_path / "secret.py"
    path.write_text("import os\n")
    path.chmod(0)
    result = read_source(path)
    assert isinstance(result, SourceProblem) and result.kind == "unreadable"
