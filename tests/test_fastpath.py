"""The fast path gives exactly the reference extractor's facts.

Two layers: hand-written sources for every construct the fast path prunes
around, and real-world Python: a deterministic sample of every ``.py`` file
under the site-packages folders this test runs with (our own dependencies:
libcst, networkx, rich, pip, setuptools, pygments...; plus the system Python's
when present). The sample is chosen by a hash of each file's path, among files of
up to 30 KB, up to a byte budget (``JOBDEPS_EQUIV_MB``, default 3.5 MB: about 600
of the ~14,000 files, in about 40 s on 2 cores; ``0`` means every file, of any
size), because the reference parser needs about 7 s per MB.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from jobdeps.analyzer import fastpath, marks
from jobdeps.analyzer.extract import extract_facts
from jobdeps.analyzer.fastpath import fast_facts, plan
from jobdeps.analyzer.sources import SourceText, read_source

CASES = {
    "plain": "import os\nfrom . import sibling\nfrom .pkg.mod import a, b as c\nx = 1\n",
    "contexts": (
        "import sys\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    json = None\n"
        "else:\n    import extra\nfinally:\n    import fin\n"
        "if TYPE_CHECKING:\n    from typing import Any\nelse:\n    import rt\n"
        "if sys.version_info >= (3, 11):\n    import tomllib\n"
        "elif sys.platform == 'win32':\n    import winreg\nelse:\n    import tomli\n"
        "def f():\n    x = 1\n    import lazy_one\n    return x\n"
        "class K:\n    '''Doc with import words.'''\n    def m(self):\n        import lazy_two\n"
        "for i in range(3):\n    pass\nelse:\n    import after_for\n"
        "while False:\n    import in_while\n"
        "with open('f') as fh:\n    import in_with\n"
        "if __name__ == '__main__':\n    import main_only\n"
    ),
    "main_guard_only": 'x = 1\nif __name__ == "__main__":\n    print(x)\n',
    "negated_guard": "if not __name__ == '__main__':\n    import lib_only\nelse:\n    import cli\n",
    "nested_guard": "def f():\n    if __name__ == '__main__':\n        import x\n",
    "one_liners": "try: import a\nexcept ImportError: a = None\nif x: import b\nelse: c = 1\n",
    "semicolons": "x = (1,\n 2); import a; y = 3\nz = 4\n",
    "dynamic": (
        "import importlib, runpy\n"
        "from importlib import import_module as im\n"
        "m = importlib.import_module('pkg.mod')\n"
        "n = im('.rel', package=__package__)\n"
        "o = importlib.import_module(name)\n"
        "p = __import__('legacy')\n"
        "runpy.run_path('tool.py')\n"
        "runpy.run_module('pkg.tool')\n"
        "exec(open('setup_env.py').read())\n"
        "f = lambda: __import__('in_lambda')\n"
    ),
    "launches": (
        "import os, subprocess, sys, platform\n"
        "import subprocess as sp\n"
        "import os as system_os\n"
        "from subprocess import run as go, Popen\n"
        "from os import system as sh, popen\n"
        "from sys import executable\n"
        "HERE = os.path.dirname(os.path.abspath(__file__))\n"
        "TOOLS = os.path.join(HERE, 'tools')\n"
        "subprocess.run([sys.executable, 'prep.py', '--x'], check=True)\n"
        "sp.check_call([executable, os.path.join(TOOLS, 't.py')], cwd=HERE)\n"
        "go(['python', '-m', 'pkg.train'])\n"
        "Popen(f'python {HERE}/a.py --n {n}', shell=True)\n"
        "sh('python b.py')\n"
        "popen('bash run.sh').read()\n"
        "system_os.execv(sys.executable, [sys.executable, 'c.py'])\n"
        "os.execlp('python', 'python', 'd.py')\n"
        "if platform.system() == 'Linux':\n    os.system('python e.py')\n"
        "def f(script):\n    subprocess.run([sys.executable, script])\n"
        "try:\n    subprocess.check_output(['git', 'rev-parse', 'HEAD'])\n"
        "except OSError:\n    pass\n"
        "subprocess.run(cmd)\n"
        "subprocess.run(['python x.py'], shell=True)\n"
        "SRC = os.path.join(HERE, 'src')\n"
        "subprocess.run([sys.executable, 'a.py'],\n"
        "               env={**os.environ, 'PYTHONPATH': SRC}, cwd=None)\n"
        "sp.Popen([executable, 'b.py'], env=dict(os.environ, PYTHONPATH=f'{HERE}/lib'))\n"
    ),
    "launch_look_alikes": (
        "import platform\n"
        "from platform import system\n"
        "name = platform.system()\n"
        "other = system()\n"
        "self_system = obj.system(1)\n"
        "filesystem = 'x'\n"
        "def execute(): pass\n"
    ),
    "exec_built_path": (
        "import os, sys\n"
        "from pathlib import Path\n"
        "HERE = os.path.dirname(os.path.abspath(__file__))\n"
        "CONF = os.path.join(HERE, 'conf')\n"
        "exec(open(os.path.join(CONF, 'a.py')).read())\n"
        "exec(Path(HERE, 'b.py').read_text())\n"
        "def f(name):\n    exec(open(name).read())\n"
        "executor = exec_later = 1\n"
    ),
    "syspath": (
        "import os, sys\n"
        "import sys as system\n"
        "from pathlib import Path\n"
        "HERE = os.path.dirname(os.path.abspath(__file__))\n"
        "ROOT = Path(__file__).resolve().parents[1]\n"
        "UNUSED = 'a/b'\n"
        "LIB = os.path.join(HERE, '..', 'lib')\n"
        "sys.path.insert(0, LIB)\n"
        "sys.path.append(str(ROOT / 'src'))\n"
        "system.path.append(HERE)\n"
        "HERE = compute()\n"
        "sys.path.insert(0, HERE)\n"
        "sys.path += [os.getcwd()]\n"
        "sys.path[:0] = [f'{ROOT}/vendor']\n"
        "DATA = Path(__file__).parent / 'data' / 'x.csv'\n"
    ),
    "path_literals": (
        'CONFIG = "configs/train.yaml"\n'
        "x = {'a': 'weights.pt', 'b': 'not a path'}\n"
        'y = "a\\x2fb.json"\n'
        "z = ('data/' 'part.csv')\n"
        'def f():\n    """See docs/index.md."""\n    return "./model/best.ckpt"\n'
        "s = 'https://example.com/x.json'\n"
        "b = b'bytes/file.txt'\n"
        "u = u'unicode/path.txt'\n"
        "r = r'raw/path.txt'\n"
        "t = '''multi/line.txt'''\n"
        "# 'comment/path.txt'\n"
        "w = \"'quoted/inner.txt'\"\n"
    ),
    "docstring_path": 'def f():\n    "data/file.csv"\n    return 1\n',
    "fstring": (
        "name = 'x'\n"
        "a = f'{name}/file.txt'\n"
        "b = f\"{ {'k': 'v/w.txt'}['k'] }\"\n"
        "c = f'''{d[\"key\"]}'''\n"
    ),
    "decorated": (
        "import functools\n@functools.lru_cache(\n    maxsize=None\n)\ndef f():\n"
        "    import inside\n"
        "@decorator('conf/x.yaml')\nclass C:\n    pass\n"
    ),
    "match": "match command:\n    case 'go':\n        import go\n    case _:\n        pass\n",
    "trystar": "try:\n    pass\nexcept* ImportError:\n    import fallback\n",
    "syntax_error": "import os\nprint 'hello'\n",
    "py312_fstring": 'x = f"{d["key"]}"\nimport after\n',
    "type_params": "def f[T](x: T) -> T:\n    import inner\n    return x\ntype Alias = int\n",
    "empty": "",
    "comments_only": "# import nothing\n# jobdeps: ignore[JD101]\n",
    "suppressions": (
        "import missing  # jobdeps: ignore[JD101, JD102]\nimport other  # jobdeps: ignore\n"
    ),
    "continuations": "import a, \\\n    b\nfrom c import (\n    d,  # a comment\n    e,\n)\n",
    "tabs_and_blank_bodies": "if True:\n\tx = 1\n\n\tif y:\n\t\timport z\n",
    "else_with_comment": "try:\n    import a\n# note\nexcept ImportError:  # fall back\n    pass\n"
    "else :\n    pass\n",
    "unicode": "ПУТЬ = 'данные/файл.csv'\nimport os; é = os.path.join('ü', 'x.txt')\n",
    "class_body_import": "class A:\n    import inner_mod\n    x = 'cfg/a.yaml'\n",
    "if_test_dynamic": "if importlib.util.find_spec('x') and __import__('y'):\n    pass\n",
    "deep_else_if": "if a:\n    pass\nelse:\n    if b:\n        import c\n",
    "site": (
        "import site\nfrom site import addsitedir as add\nadd('vendor')\nsite.addsitedir(HERE)\n"
    ),
    "reassigned_path": (
        "import sys, os\nP = os.path.dirname(__file__)\nP = 3\nsys.path.insert(0, P)\n"
    ),
    "handler_gives_up": (
        "import sys\ntry:\n    import needed\nexcept ImportError:\n    x = 1\n    raise\n"
        "try:\n    import other\nexcept ImportError:\n    sys.exit('install other')\n"
        "try:\n    import soft\nexcept ImportError as exc:\n    soft = None\n"
        "    if exc:\n        raise\n"
    ),
    "with_suppress": (
        "import contextlib\nwith contextlib.suppress(ImportError):\n    x = 1\n    import maybe\n"
    ),
    "string_glued_docstring": 'def f():\n    "abc" "d/e.txt"\n',
    "assign_chain": (
        "import sys\nfrom os.path import dirname, join\nA = dirname(__file__)\nB = join(A, 'x')\n"
        "C = B\nsys.path.append(C)\n"
    ),
    # -- imports read without libcst (round two): every context they are read in
    "direct_forms": (
        "import a.b as c, d\nfrom .x import (a,  # a comment\n    b as c,\n)\n"
        "from .. import *\nimport e; import f\nimport g, \\\n    h\n"
    ),
    "direct_strings": (
        '"""import in_docstring"""\nx = f"{y} import z"\ns = \'\'\'\nimport nope\n\'\'\'\n'
        "import real\n"
    ),
    "direct_type_checking": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nelse:\n    import b\n"
        "if not typing.TYPE_CHECKING:\n    import c\nelif x:\n    import d\nelse:\n    import e\n"
    ),
    "direct_try": (
        "try:\n    import a\nexcept (ValueError, ImportError):\n    import b\nelse:\n    import c\n"
        "finally:\n    import d\n"
        "try:\n    import e\nexcept ImportError: raise\n"
        "try:\n    import f\nexcept KeyError:\n    pass\n"
        "try:\n    import g\nexcept:\n    exit()\n"
        "from os import _exit as die\ntry:\n    import h\nexcept Exception:\n    die(1)\n"
    ),
    "direct_nested_defs": (
        "import functools\n@functools.wraps(f)\nasync def outer():\n    def inner():\n"
        "        class K:\n            import deep\n    import mid\n"
        "    async with lock:\n        import in_with\n"
        "    for x in y:\n        import in_for\n"
        "    while z:\n        pass\n    else:\n        import in_while_else\n"
    ),
    "direct_conditions": (
        "import sys as _s\nif _s.version_info >= (3, 11):\n    import tomllib\n"
        "else:\n    import tomli\n"
        "from platform import system\nif system() == 'Linux':\n    import linux_only\n"
        "if os.name == 'nt':\n    import win\nif feature:\n    import plain_cond\n"
        "if __name__ == '__main__':\n    import cli\n"
    ),
    "direct_alias_used_later": (
        "import importlib as il\nfrom pathlib import Path as P\nimport sys as s2\n"
        "m = il.import_module('x')\nD = P(__file__).parent / 'data'\ns2.path.append(str(D))\n"
    ),
    "direct_suppress": (
        "from contextlib import suppress as quiet\nwith quiet(ModuleNotFoundError):\n    import a\n"
        "with open('f') as fh, quiet(KeyError):\n    import b\n"
    ),
    "direct_match_and_one_liners": (
        "match x:\n    case 1:\n        import m1\nif y: import one\ntry: import two\n"
        "except ImportError: pass\nimport after\n"
    ),
    "path_with_final_newline": 'A = """7/\n"""\nB = """1\n2\n7/\n"""\nC = "x/y\\n"\n',
    "direct_unicode_column": "é = 1; import os\nif True:\n    ü = 2; import sys\n",
    "direct_decorated_class": "@dataclass\nclass C:\n    import inner\n    def m(self):\n"
    "        from . import lazy\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_matches_reference_on_cases(name: str) -> None:
    text = CASES[name]
    assert fast_facts(text) == extract_facts(text)


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_one_path_still_matches_reference(name: str, monkeypatch) -> None:
    monkeypatch.setattr(fastpath, "DIRECT_IMPORTS", False)
    text = CASES[name]
    planned = plan(text)
    assert planned is None or planned.imports == []
    assert fast_facts(text) == extract_facts(text)


@pytest.mark.parametrize("text", ["import os\n", "import os\nprint 'x'\n"])
def test_plan_leaves_the_garbage_collector_as_it_found_it(text: str) -> None:
    import gc

    assert gc.isenabled()
    plan(text)
    assert gc.isenabled()
    gc.disable()
    try:
        plan(text)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cases_exercise_the_fast_path_not_only_the_fallback() -> None:
    # Most cases must be planned, not all sent to the full parse.
    planned = [name for name, text in CASES.items() if plan(text) is not None]
    assert len(planned) >= len(CASES) - 5


def test_skeleton_of_a_long_file_is_small() -> None:
    body = "".join(f"def f{i}(x):\n    '''Doc {i}.'''\n    return x * {i}\n\n" for i in range(300))
    text = "import os\n" + body + "if __name__ == '__main__':\n    f1(2)\n"
    planned = plan(text)
    assert planned is not None
    skeleton, line_map = planned.skeleton, planned.line_map
    assert len(skeleton) <= 4
    assert line_map[0] == (1 if not fastpath.DIRECT_IMPORTS else 1202)  # `import os` read directly
    assert fast_facts(text) == extract_facts(text)


def test_plain_imports_need_no_libcst_tree() -> None:
    text = (
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n"
        "try:\n    import b\nexcept ImportError:\n    b = None\ndef f():\n    import c\n"
    )
    planned = plan(text)
    assert planned is not None
    if fastpath.DIRECT_IMPORTS:
        assert planned.skeleton == []
        assert [(i.module, i.flags) for i in planned.imports] == [
            ("os", ()),
            ("typing", ()),
            ("a", ("type_checking",)),
            ("b", ("optional",)),
            ("c", ("lazy",)),
        ]
    assert fast_facts(text) == extract_facts(text)


def test_collector_tables_copied_exactly() -> None:
    from jobdeps.analyzer import extract

    assert marks.OPTIONAL_EXCEPTIONS == extract._OPTIONAL_EXCEPTIONS
    assert marks.EXITS == extract._EXITS
    assert marks.CONDITION_NAMES == extract._CONDITION_NAMES
    assert {n.split(".")[0] for n in extract._CONDITION_NAMES} == marks.CONDITION_HEADS


def test_file_with_nothing_to_say_needs_no_libcst_tree() -> None:
    text = "x = 1\n\ndef f(y):\n    return y + x\n"
    assert plan(text) == ([], [], [], [], [])


# -- real-world files ----------------------------------------------------------------------


def _site_dirs() -> list[Path]:
    dirs = [Path(sysconfig.get_paths()["purelib"])]
    system = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages")
    if system.is_dir() and system not in dirs:
        dirs.append(system)
    return [d for d in dirs if d.is_dir()]


def _sample(budget: int) -> list[Path]:
    files = []
    for site in _site_dirs():
        for path in site.rglob("*.py"):
            try:
                size = path.stat().st_size
            except OSError:
                continue
            rank = hashlib.sha256(path.relative_to(site).as_posix().encode()).digest()
            files.append((rank, size, path))
    files.sort()
    if budget <= 0:
        return [p for _, _, p in files]
    chosen, total = [], 0
    for _, size, path in files:
        if size > 30_000:  # the budget buys more files; big ones: JOBDEPS_EQUIV_MB=0
            continue
        if total + size > budget:
            break
        chosen.append(path)
        total += size
    return chosen


def _compare(path: str) -> tuple[str, str] | None:
    source = read_source(Path(path))
    if not isinstance(source, SourceText):
        return None
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    reference = extract_facts(source.text)
    fast = fast_facts(source.text)
    if fast != reference:
        return path, f"reference {reference}\nfast      {fast}"
    return None


def test_fast_path_matches_reference_on_installed_packages() -> None:
    budget = int(float(os.environ.get("JOBDEPS_EQUIV_MB", "3.5")) * 1024 * 1024)
    files = [str(p) for p in _sample(budget)]
    assert len(files) > 100, "too few real files to compare"
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        diffs = [d for d in pool.map(_compare, files, chunksize=4) if d]
    assert not diffs, "\n\n".join(f"{p}\n{d}" for p, d in diffs[:5])
