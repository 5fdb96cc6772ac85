"""The scanner tier gives exactly the reference's facts, or says it is not sure.

Each accepted case is checked twice: the scanner must take it (so the case tests the
scanner, not the fallback) and its facts must equal the libcst reference's. Each
"not sure" case must be left to the statement-tree plan. The real-file comparison is
``tests/test_fastpath.py``, which goes through the scanner first.
"""

from __future__ import annotations

import pytest

from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.fastpath import fast_facts
from jobdeps.analyzer.scanner import scan_facts
from jobdeps.analyzer.sources import SourceText, read_source

ACCEPTED = {
    "plain": "import os\nimport a.b.c as d, e\nfrom . import x\nfrom ...pkg.mod import *\n",
    "spaced_dotted": "import a . b\nfrom  x . y  import  z  as  w\n",
    "parenthesised": (
        "from pkg import (  # a comment with import words\n"
        "    one,\n    two as three,  # more\n)\n"
        "from pkg2 import \\\n    four\n"
    ),
    "try_fallback": (
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "try:\n    import required\nexcept ImportError:\n    raise SystemExit('need it')\n"
        "try:\n    import exits\nexcept ImportError:\n    print('x')\n    sys.exit(1)\n"
        "try:\n    import one_line_raise\nexcept ImportError: raise\n"
        "try:\n    import other\nexcept (ValueError, ModuleNotFoundError) as e:\n    pass\n"
        "else:\n    import after\nfinally:\n    import fin\n"
        "try:\n    import not_caught\nexcept KeyError:\n    pass\n"
    ),
    "handler_with_compound": (
        "try:\n    import a\nexcept ImportError:\n    if x:\n        raise\n    a = None\n"
    ),
    "type_checking": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from a import A\nelse:\n    A = None\n"
        "if not typing.TYPE_CHECKING:\n    import rt\nelse:\n    import tc\n"
        "if x:\n    pass\nelif TYPE_CHECKING:\n    import elif_tc\nelse:\n    import plain_else\n"
    ),
    "main_guard": (
        "import os\n\ndef main():\n    import lazy\n\n"
        "if __name__ == '__main__':\n    import cli_only\n    main()\n"
    ),
    "main_guard_one_line": 'x = 1\nif __name__ == "__main__": main()\n',
    "nested_main_is_not_the_guard": "def f():\n    if __name__ == '__main__':\n        import x\n",
    "nested_blocks": (
        "class K:\n    import in_class\n\n    @decorator\n    def m(self):\n"
        "        for i in range(3):\n            with open('f') as fh:\n"
        "                import deep\n        else:\n            import loop_else\n"
        "    async def am(self):\n        import in_async\n"
        "while True:\n    import in_while\n    break\n"
    ),
    "docstring_with_code": (
        '"""Example:\n\n    import not_real\n    sys.path.insert(0, "x")\n'
        '    exec(open("y.py").read())\n"""\nimport real\n'
    ),
    "strings_and_paths": (
        "A = 'configs/train.yaml'\nB = r'data\\raw.csv'\nC = u\"./weights/model.pt\"\n"
        "D = 'a/b' 'c.json'\nE = b'bytes/not.csv'\nF = 'not a path'\n"
        "G = 'esc\\\\aped/path.txt'\nH = '''multi\nline'''\nI = \"\"\"x/y\n\"\"\"\n"
    ),
    "fstring_simple_fields": "name = 'm'\npath = f'{root}/{name}.csv'\nimport after_fstring\n",
    "fstring_with_strings": (
        "x = f\"{d['k']}/{', '.join(names)}\"\n"
        "y = f'{\"data/train.csv\"}'\n"
        'z = f"""\n{value:{\'>\'}10} {\'cfg/a.yaml\'!r}\n"""\nimport a\n'
    ),
    "fstring_import_word_in_text": (
        'raise ImportError(f"{__name__} can only be imported on Windows")\n'
    ),
    "fstring_dunder_names": (
        "x = f'{type(v).__name__} at {obj.__class__.__name__!r}'\n"
        'y = f"{__name__}: {TYPE_CHECKING}"\n'
        'if __name__ == "__main__":\n    import cli_only\n'
    ),
    "version_condition": "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\n",
    "condition_chain": (
        "import os, sys, platform\n"
        "if sys.version_info >= (3, 8):\n    import a\n"
        "elif (sys.platform  # a comment inside the brackets\n      == 'win32'):\n    import b\n"
        "elif TYPE_CHECKING:\n    import c\n"
        "elif x:\n    import d\n"
        "else:\n    import e\n"
        "if not platform.system() == 'Darwin':\n"
        "    if os.name != 'nt':  # nested\n        import f\n    else:\n        import g\n"
        "try:\n    if sys.implementation.name == 'pypy':\n        import h\n"
        "except ImportError:\n    pass\n"
    ),
    "condition_in_fstring_field": (
        "import sys\nif f'{sys.platform}' == 'linux':\n    import x\nelse:\n    import y\n"
    ),
    "condition_unrelated_alias": (
        "from os import path\nimport numpy as np\n"
        "if sys.version_info[:2] >= (3, 9) and np.ndim:\n    import a\n"
    ),
    "condition_not_a_guard": (
        "import sys\nif sys.argv[1:] or os.environ:\n    import a\n"
        "if platform == 'linux':  # a local variable\n    import b\n"
    ),
    "condition_long": (
        "import sys\nif sys.version_info >= (3, 8) and ("
        + " or ".join(f"flag_{i}" for i in range(80))
        + "):\n    import a\n"
    ),
    "condition_unicode": "import sys\nif sys.platform == 'é' and ünï:\n    import a\n",
    "dunder_import": "m = __import__('x')\n",
    "import_module": "import importlib\nm = importlib.import_module('x')\n",
    "dynamic_imports": (
        "import importlib, builtins\n"
        "def load(name):\n    return importlib.import_module(f'plugins.{name}')\n"
        "try:\n    yaml = importlib.import_module('yaml')\nexcept ImportError:\n    yaml = None\n"
        "mod = importlib.import_module('.sub', package=__package__)\n"
        "rel = importlib.import_module('..up', __name__)\n"
        "lit = importlib.import_module('.x', 'pkg.base')\n"
        "nonlit = importlib.import_module('.x', package=base)\n"
        "pieces = ('é', importlib.import_module(\n"
        "    'multi' '.line'), __import__('os.path', globals(), locals(), ['join'], 0))\n"
        "both = importlib.import_module(importlib.import_module('a').name)\n"
        "ref = importlib.import_module\n"
        "b = builtins.__import__('not_a_fact')\n"
        "star = importlib.import_module(*args)\n"
        "raw = importlib.import_module(b'bytes')\n"
        "class K:\n    importlib.import_module('in_class')\n"
        "if __name__ == '__main__':\n    importlib.import_module('cli')\n"
    ),
    "import_module_alias": (
        "from importlib import (\n    import_module,\n)\nm = import_module('x', 'pkg')\n"
        "def f():\n    return import_module(name)\n"
    ),
    "exec_of_code": (
        "exec(code, namespace)\nexec('x = 1')\nself.exec(query)\nexec_ = exec\n"
        "def f(src):\n    exec(src, {'exec': exec}, *rest)\nexec(compile_ast)\n"
    ),
    "match": "match x:\n    case 1:\n        import a\n",
    "match_statements": (
        "import re\nmatch = re.match('a', 'b')\nmatch.group()\nprint(match)\n"
        "def f(cmd):\n    match (cmd,\n           1):\n        case ('a', _):\n"
        "            import b\n        case [x, *rest] if x:\n            try:\n"
        "                import c\n            except ImportError:\n                c = None\n"
        "        case {'k': match}:\n            match match:\n                case _:\n"
        "                    import d\n"
        "x = {\n    'match':\n        1}\n"
    ),
    "other_import_module": (
        "from sympy.external import import_module\nnp = import_module('numpy')\n"
        "self.import_module('x')\nimportorskip('y')\n_important = 1\n"
    ),
    "brackets_across_lines": (
        "d = {\n    'key':\n        1,\n}\nx = f(\n    lambda:\n    2)\n"
        "def g(\n    a,\n    b,\n):\n    import inside_g\n"
    ),
    "tabs": "def f():\n\timport tabbed\n\tif x:\n\t\timport deeper\n",
    "continuation_header": "if a and \\\n        b:\n    import y\n",
    "suppress_word_absent": "with open('x') as f:\n    import in_with\n",
    "empty": "",
    "comment_only": "# import os\n",
    "crlf": (
        "import os\r\ntry:\r\n    import a  # note\r\nexcept ImportError:\r\n    a = None\r\n"
        'P = """data/x.csv\r\n"""\r\nQ = "conf/a.yaml"  # jobdeps: ignore[IMP001]\r\n'
    ),
    "exit_alias_same": "import sys\ntry:\n    import a\nexcept ImportError:\n    sys.exit(2)\n",
    # words of the os functions that start programs, where they are not those functions
    "launch_word_as_a_variable": (
        'import os\nsystem = make()\nprint(f"{system.poles} {system}")\n'
        "def execv(system):\n    return system\n"
    ),
    "launch_word_in_fstring": 'import platform\nprint(f"platform={platform.system()}")\n',
    "os_alias_that_starts_nothing": "import os as _os\np = _os.path.join('a', 'b')\n",
    "launch_look_alikes": (
        "import platform\nfrom platform import system\nname = platform.system()\n"
        "other = system()\nx = obj.popen(1).execv\ndef execl(): pass\n"
    ),
}

NOT_SURE = {
    "syspath": "import sys\nsys.path.insert(0, 'lib')\n",
    "import_module_as": "from importlib import import_module as im\nm = im('x')\n",
    "import_module_before_import": (
        "def f():\n    return import_module('x')\nfrom importlib import import_module\n"
    ),
    "import_module_two_bindings": (
        "from importlib import import_module\nfrom mylib import import_module\n"
        "m = import_module('x')\n"
    ),
    "exec_file": "exec(open('setup.py').read())\n",
    "exec_compile": "exec(compile(source, 'x.py', 'exec'))\n",
    "exec_bound": "from mylib import exec\nexec(code)\n",
    "exec_in_header": "if exec(code):\n    pass\n",
    "runpy": "import runpy\nrunpy.run_path('tool.py')\n",
    "path_slash": "from pathlib import Path\nP = Path(__file__).parent / 'data'\n",
    "fstring_dunder_import": "x = f\"{__import__('os').sep}\"\n",
    "fstring_nested": "x = f\"{f'{y}'}\"\n",
    "fstring_field_mark_no_quotes": 'import sys\nx = f"{sys.path} is imported"\n',
    "importlib_alias": "import importlib as il\nm = il.import_module('x')\n",
    "importlib_rebound": "from mylib import importlib\nm = importlib.import_module('x')\n",
    "dynamic_in_header": "import importlib\nif importlib.import_module('x'):\n    pass\n",
    "dynamic_in_lambda": "import importlib\nf = lambda: importlib.import_module('x')\n",
    "dynamic_in_decorator": (
        "import importlib\n@importlib.import_module('x').deco\ndef f():\n    pass\n"
    ),
    "dunder_import_bound": "from builtins import __import__\nm = __import__('x')\n",
    "fstring_import_module_name": (
        'import importlib\nx = f"{importlib.import_module(__name__)}"\n'
    ),
    "fstring_path_join": "from pathlib import Path\np = f\"{Path(root) / 'data'}\"\n",
    "sys_alias": "import sys as _sys\n_sys.path.append('x')\n",
    "suppress": ("from contextlib import suppress\nwith suppress(ImportError):\n    import a\n"),
    "condition_alias": "import sys as _s\nif _s.version_info >= (3, 11):\n    import tomllib\n",
    "condition_from_alias": (
        "from sys import version_info\nif version_info >= (3, 11):\n    import tomllib\n"
    ),
    "condition_rebound_head": ("from mylib import os\nif os.name == 'nt':\n    import winreg\n"),
    "condition_backslash": (
        "import sys\nif sys.platform == 'win32' \\\n        or x:\n    import a\n"
    ),
    "lone_carriage_returns": "import os\rimport sys\r",
    "syntax_error": "import os\ndef f(:\n",
    "one_line_compound": "if x: import y\n",
    "semicolons": "import a; import b\n",
    "except_star": "try:\n    import a\nexcept* ImportError:\n    pass\n",
    "subprocess": "import subprocess, sys\nsubprocess.run([sys.executable, 'x.py'])\n",
    "os_system": "import os\nos.system('python x.py')\n",
    "os_alias_system": "import os as o\no.system('python x.py')\n",
    "os_system_bare": "from os import system\nsystem('python x.py')\n",
    "os_system_renamed": "from os import system as sh\nsh('python x.py')\n",
    "os_execv": "import os, sys\nos.execv(sys.executable, [sys.executable, 'x.py'])\n",
    "exit_rebound": (
        "from mylib import exit\ntry:\n    import a\nexcept ImportError:\n    exit()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_scanner_takes_the_case_and_matches_the_reference(name: str) -> None:
    text = ACCEPTED[name]
    scanned = scan_facts(text)
    assert scanned is not None, "the scanner gave up on a case it should read"
    assert scanned == extract_facts(text)


@pytest.mark.parametrize("name", sorted(NOT_SURE))
def test_scanner_leaves_the_case_to_the_plan(name: str) -> None:
    text = NOT_SURE[name]
    assert scan_facts(text) is None
    assert fast_facts(text) == extract_facts(text)


def test_docstring_words_are_no_phantom_imports() -> None:
    facts = scan_facts(ACCEPTED["docstring_with_code"])
    assert facts is not None
    assert [i.module for i in facts.imports] == ["real"]
    assert facts.syspath == ()


def test_contexts_are_read_from_the_blocks() -> None:
    facts = scan_facts(ACCEPTED["try_fallback"])
    assert facts is not None
    flags = {i.module: i.flags for i in facts.imports}
    assert flags["json"] == ()  # the fallback in the handler is what the job needs
    assert flags["ujson"] == ("optional",)
    assert flags["required"] == ()  # the handler gives up: required
    assert flags["exits"] == ()
    assert flags["one_line_raise"] == ("optional",)  # the collector's one-line quirk
    assert flags["not_caught"] == ()


def test_scanner_builds_no_syntax_tree_of_the_module(monkeypatch) -> None:
    import ast

    calls: list[str] = []
    original = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda source, *a, **k: calls.append(source) or original(source, *a, **k)
    )
    text = "import os\n" + "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(200))
    assert scan_facts(text) is not None
    assert calls == []  # top-level imports only: no header needed parsing


def test_path_written_with_escapes_is_read_whatever_its_length() -> None:
    # 157 characters once unescaped, 607 as written: still a path for the reference
    text = "P = '" + "\\x61" * 150 + "/x.csv'\nQ = 'a\\x2fb.json'\n"
    reference = extract_facts(text)
    assert [p.value for p in reference.path_literals] == ["a" * 150 + "/x.csv", "a/b.json"]
    assert scan_facts(text) == reference


def test_windows_line_ends_give_the_reference_facts() -> None:
    """Real files with their line ends turned into CRLF: the scanner reads them (Python
    reads CRLF as a newline, in string values too) and agrees with the reference."""
    from tests.test_fastpath import _sample

    taken = 0
    for path in _sample(400_000):
        source = read_source(path)
        if not isinstance(source, SourceText) or "\r" in source.text:
            continue
        text = source.text.replace("\n", "\r\n")
        reference = extract_facts(text)
        assert fast_facts(text) == reference, path  # either tier
        scanned = scan_facts(text)
        if scanned is not None:
            taken += 1
            assert scanned == reference, path
    assert taken > 20


def test_slash_mark_is_linear_on_comment_banners() -> None:
    """`/` at the end of a comment, then a banner of '#': the slash mark's regex split the
    banner in 2**n ways (40 '#' never finished); a file with a sys.path edit hung."""
    import subprocess
    import sys

    text = "p = base /  # data in s3://bucket/\n" + "#" * 60 + "\nimport json\n"
    script = (
        "import sys\n"
        "from jobdeps.analyzer.marks import KEYWORD_RE\n"
        "print(len(list(KEYWORD_RE.finditer(sys.stdin.read()))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], input=text, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_header_snippets_are_parsed_once_and_the_memo_stays_bounded(monkeypatch) -> None:
    import ast

    from jobdeps.analyzer import scanner

    monkeypatch.setattr(scanner, "_PARSED", {})
    calls: list[str] = []
    original = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda source, *a, **k: calls.append(source) or original(source, *a, **k)
    )
    text = ACCEPTED["try_fallback"]
    first = scan_facts(text)
    parsed = len(calls)
    assert parsed > 0  # the handlers were read with ast
    assert scan_facts(text) == first
    assert len(calls) == parsed  # the same snippets again: from the memo
    # a snippet ast cannot read is remembered as such, and still raises NotSure
    for _ in range(2):
        with pytest.raises(scanner.NotSure):
            scanner._parse_one("if (:\n pass")
    assert calls.count("if (:\n pass") == 1
    monkeypatch.setattr(scanner, "_PARSED_MAX", 8)
    for i in range(20):
        scanner._parse_one(f"x = {i}")
    assert len(scanner._PARSED) <= 8
