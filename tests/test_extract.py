"""``extract_facts``: every import form, its position and its context flags."""

from __future__ import annotations

import sys
import textwrap

import pytest

from jobdeps.analyzer.extract import extract_facts, find_suppressions, looks_like_path
from jobdeps.analyzer.facts import FileFacts, ImportFact, facts_from_json, facts_to_json
from jobdeps.analyzer.fastpath import fast_facts


def facts(source: str) -> FileFacts:
    return extract_facts(textwrap.dedent(source))


def only(source: str) -> ImportFact:
    found = facts(source).imports
    assert len(found) == 1, found
    return found[0]


# -- forms ---------------------------------------------------------------------------


def test_plain_import_keeps_the_dotted_name_and_position() -> None:
    fact = only("x = 1\nimport a.b.c\n")
    assert (fact.kind, fact.module, fact.line, fact.col, fact.level) == ("import", "a.b.c", 2, 0, 0)
    assert fact.flags == ()


def test_import_of_several_names_gives_one_fact_each() -> None:
    found = facts("import os, sys as system, a.b\n").imports
    assert [(f.kind, f.module) for f in found] == [
        ("import", "os"),
        ("import", "sys"),
        ("import", "a.b"),
    ]


def test_from_import_names_and_level() -> None:
    fact = only("from pkg.sub import a, b as c\n")
    assert (fact.kind, fact.module, fact.level, fact.names) == ("from", "pkg.sub", 0, ("a", "b"))


@pytest.mark.parametrize(
    ("source", "module", "level", "names"),
    [
        ("from . import x\n", "", 1, ("x",)),
        ("from .mod import y\n", "mod", 1, ("y",)),
        ("from ..pkg.mod import z\n", "pkg.mod", 2, ("z",)),
        ("from ... import w\n", "", 3, ("w",)),
    ],
)
def test_relative_from_imports(source: str, module: str, level: int, names: tuple) -> None:
    fact = only(source)
    assert (fact.kind, fact.module, fact.level, fact.names) == ("from", module, level, names)


def test_star_import() -> None:
    assert only("from pkg import *\n").names == ("*",)


def test_parenthesised_multiline_from_import_is_at_its_first_line() -> None:
    fact = only("from pkg import (\n    a,\n    b,\n)\n")
    assert fact.line == 1
    assert fact.names == ("a", "b")


@pytest.mark.parametrize(
    "source",
    [
        'import importlib\nimportlib.import_module("x.y")\n',
        'import importlib as il\nil.import_module("x.y")\n',
        'from importlib import import_module\nimport_module("x.y")\n',
        'from importlib import import_module as im\nim("x.y")\n',
        '__import__("x.y")\n',
    ],
)
def test_literal_dynamic_imports_in_every_spelling(source: str) -> None:
    dynamic = [f for f in facts(source).imports if f.kind == "dynamic"]
    assert len(dynamic) == 1
    assert (dynamic[0].module, dynamic[0].dynamic, dynamic[0].level) == ("x.y", False, 0)


def test_relative_dynamic_import_keeps_its_package_argument() -> None:
    found = facts('import importlib\nimportlib.import_module(".sub", package=__package__)\n')
    fact = found.imports[-1]
    assert (fact.kind, fact.module, fact.level, fact.package) == (
        "dynamic",
        "sub",
        1,
        "__package__",
    )


def test_dynamic_import_package_as_positional_literal() -> None:
    fact = facts('import importlib\nimportlib.import_module("..b", "pkg.sub")\n').imports[-1]
    assert (fact.module, fact.level, fact.package) == ("b", 2, "pkg.sub")


def test_computed_dynamic_import_is_flagged_dynamic() -> None:
    fact = facts("import importlib\nname = 'x'\nimportlib.import_module(name)\n").imports[-1]
    assert (fact.kind, fact.module, fact.dynamic) == ("dynamic", "", True)


def test_import_module_of_another_object_is_not_an_import() -> None:
    found = facts('loader.import_module("x")\nobj.__import__("y")\n').imports
    assert found == ()


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ('exec(open("configurator.py").read())\n', "configurator.py"),
        ('exec(compile(open("cfg.py").read(), "cfg.py", "exec"))\n', "cfg.py"),
        ('from pathlib import Path\nexec(Path("cfg.py").read_text())\n', "cfg.py"),
        ('import runpy\nrunpy.run_path("tools/prep.py")\n', "tools/prep.py"),
    ],
)
def test_files_run_by_exec_and_runpy(source: str, path: str) -> None:
    fact = facts(source).imports[-1]
    assert (fact.kind, fact.module, fact.dynamic) == ("run-path", path, False)


@pytest.mark.parametrize(
    ("source", "path", "anchor"),
    [
        (
            "import os\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
            'exec(open(os.path.join(HERE, "conf", "a.py")).read())\n',
            "conf/a.py",
            "file",
        ),
        (
            "from pathlib import Path\nexec(Path(__file__).parent.joinpath('b.py').read_text())\n",
            "b.py",
            "file",
        ),
        ('from pathlib import Path\nexec(Path("conf", "c.py").read_text())\n', "conf/c.py", ""),
        ('exec(open(file="d.py", encoding="utf-8").read())\n', "d.py", ""),
    ],
)
def test_exec_of_a_file_built_from_file_is_followed(source: str, path: str, anchor: str) -> None:
    """``exec(open(os.path.join(HERE, "x.py")).read())`` runs x.py beside the file, in the
    caller's namespace (no run name), as ``runpy.run_path`` with the same path would."""
    fact = facts(source).imports[-1]
    assert (fact.kind, fact.module, fact.anchor, fact.dynamic, fact.package) == (
        "run-path",
        path,
        anchor,
        False,
        None,
    )


LAUNCH_PRELUDE = (
    "import os, subprocess, sys\nfrom subprocess import run as go\nfrom os import system as sh\n"
    "HERE = os.path.dirname(os.path.abspath(__file__))\n"
)


@pytest.mark.parametrize(
    ("call", "command"),
    [
        ('subprocess.run([sys.executable, "prep.py", "--x"], check=True)', "python prep.py --x"),
        ('go([sys.executable, "-m", "pkg.train"])', "python -m pkg.train"),
        (
            'os.system("python train.py --lr 3 && bash run.sh")',
            "python train.py --lr 3 && bash run.sh",
        ),
        ('sh("python b.py")', "python b.py"),
        ('subprocess.check_output(["git", "rev-parse", "HEAD"])', "git rev-parse HEAD"),
        (
            'subprocess.run([sys.executable, os.path.join(HERE, "tools", "t.py")], cwd=HERE)',
            "cd ${JOBDEPS_FILE_DIR} && python ${JOBDEPS_FILE_DIR}/tools/t.py",
        ),
        (
            'subprocess.Popen(f"python {HERE}/a.py --n {n}", shell=True)',
            "python ${JOBDEPS_FILE_DIR}/a.py --n ${computed}",
        ),
        ("subprocess.run([sys.executable, script])", "python ${computed}"),
        ('subprocess.run([sys.executable, "x.py"], cwd=None)', "python x.py"),
        ('subprocess.run([sys.executable, "x.py"], cwd="sub")', "cd sub && python x.py"),
        (
            'subprocess.run([sys.executable, "x.py"], env={**os.environ, "PYTHONPATH": "src"})',
            "export PYTHONPATH=src; python x.py",
        ),
        (
            'subprocess.run([sys.executable, "x.py"], env=os.environ | {"PYTHONPATH": f"{HERE}"})',
            "export PYTHONPATH=${JOBDEPS_FILE_DIR}; python x.py",
        ),
        ('subprocess.run([sys.executable, "x.py"], env={"PYTHONPATH": p})', "python x.py"),
        ('subprocess.run([sys.executable, __file__, "--child"])', "python ${JOBDEPS_FILE} --child"),
        ('subprocess.run(["python x.py"], shell=True)', "python x.py"),
        ('subprocess.run("python x.py")', "'python x.py'"),  # no shell: one program name
        ('os.execv(sys.executable, [sys.executable, "c.py"])', "python c.py"),
        ('os.execl(sys.executable, "python", "d.py")', "python d.py"),
        ('os.execle("/usr/bin/python3", "python3", "e.py", {})', "/usr/bin/python3 e.py"),
        ("subprocess.getoutput('python f.py')", "python f.py"),
        ("os.popen('python g.py').read()", "python g.py"),
    ],
)
def test_programs_started_from_python_are_commands(call: str, command: str) -> None:
    """A program started from Python is a ``run-command`` fact: its command as shell
    text, for the walk to read as it reads ``cmd``; a path built from ``__file__``
    starts at the file's folder, a computed word is a variable the walk cannot fill."""
    fact = facts(LAUNCH_PRELUDE + call + "\n").imports[-1]
    assert (fact.kind, fact.module, fact.dynamic) == ("run-command", command, False)


@pytest.mark.parametrize(
    "call",
    [
        "subprocess.run(cmd)",  # the program itself is computed: anything
        "subprocess.run([tool, 'x.py'])",
        "platform.system()",
        "obj.system('python x.py')",
        "subprocess.list2cmdline(['python', 'x.py'])",
    ],
)
def test_calls_that_start_no_known_program_are_no_facts(call: str) -> None:
    found = facts("import platform, subprocess\n" + call + "\n").imports
    assert [f.kind for f in found] == ["import", "import"]


def test_exec_of_a_file_with_a_computed_path_is_dynamic() -> None:
    fact = facts("import sys\nexec(open(sys.argv[1]).read())\n").imports[-1]
    assert (fact.kind, fact.module, fact.dynamic, fact.package) == ("run-path", "", True, None)


def test_run_path_with_a_computed_path_is_dynamic() -> None:
    fact = facts("import runpy, sys\nrunpy.run_path(sys.argv[1])\n").imports[-1]
    assert (fact.kind, fact.dynamic) == ("run-path", True)


def test_run_module() -> None:
    fact = facts('import runpy\nrunpy.run_module("pkg.tool")\n').imports[-1]
    assert (fact.kind, fact.module) == ("run-module", "pkg.tool")


def test_exec_of_a_plain_string_is_not_a_file_run() -> None:
    assert facts('exec("import os")\n').imports == ()


def test_imports_in_strings_comments_and_docstrings_do_not_count() -> None:
    source = '''
        """Usage:
            import nothere
        """
        TEXT = "import alsonot"
        # import comment
        def f():
            """from nowhere import thing"""
    '''
    assert facts(source).imports == ()


# -- context flags -------------------------------------------------------------------


def test_try_body_is_optional_and_the_fallback_is_required() -> None:
    """When `ujson` is missing the handler's `json` runs: the fallback is what the job needs."""
    found = facts(
        """
        try:
            import ujson as json
        except ImportError:
            import json
        """
    ).imports
    assert [(f.module, f.optional) for f in found] == [("ujson", True), ("json", False)]


@pytest.mark.parametrize(
    "handler", ["ModuleNotFoundError", "(ImportError, AttributeError)", "Exception", ""]
)
def test_optional_for_every_handler_that_catches_import_errors(handler: str) -> None:
    fact = only(f"try:\n    import x\nexcept {handler}:\n    pass\n")
    assert fact.optional


def test_try_with_unrelated_handler_is_not_optional() -> None:
    found = facts(
        "try:\n    import x\nexcept KeyError:\n    pass\nelse:\n    import y\nfinally:\n"
        "    import z\n"
    ).imports
    assert [(f.module, f.optional) for f in found] == [("x", False), ("y", False), ("z", False)]


def test_else_and_finally_of_an_optional_try_are_not_optional() -> None:
    found = facts(
        "try:\n    import x\nexcept ImportError:\n    x = None\nelse:\n    import y\n"
    ).imports
    assert [(f.module, f.optional) for f in found] == [("x", True), ("y", False)]


@pytest.mark.parametrize("test", ["TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"])
def test_type_checking_blocks(test: str) -> None:
    found = facts(
        "import typing\nimport typing as t\nfrom typing import TYPE_CHECKING\n"
        f"if {test}:\n    import pandas\n"
    ).imports
    assert found[-1].module == "pandas"
    assert found[-1].type_checking
    assert not any(f.type_checking for f in found[:-1])


def test_else_of_not_type_checking_is_type_checking_only() -> None:
    found = facts(
        "from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n    import a\nelse:\n"
        "    import b\n"
    ).imports
    assert [(f.module, f.type_checking) for f in found[1:]] == [("a", False), ("b", True)]


def test_version_guard_marks_both_branches_conditional() -> None:
    found = facts(
        """
        import sys
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli as tomllib
        """
    ).imports
    assert [(f.module, f.conditional) for f in found] == [
        ("sys", False),
        ("tomllib", True),
        ("tomli", True),
    ]


@pytest.mark.parametrize(
    "test",
    ['sys.platform == "win32"', 'os.name == "nt"', 'platform.system() == "Linux"'],
)
def test_platform_guards_are_conditional(test: str) -> None:
    fact = facts(f"import os, sys, platform\nif {test}:\n    import winreg\n").imports[-1]
    assert fact.conditional


def test_an_ordinary_if_is_not_conditional() -> None:
    fact = facts("DEBUG = True\nif DEBUG:\n    import pdb\n").imports[-1]
    assert fact.flags == ()


def test_function_and_lambda_bodies_are_lazy() -> None:
    found = facts(
        """
        def f():
            import a
        class C:
            import b
            def m(self):
                import c
        g = lambda: __import__("d")
        """
    ).imports
    assert [(f.module, f.lazy) for f in found] == [
        ("a", True),
        ("b", False),
        ("c", True),
        ("d", True),
    ]


def test_main_guard_imports_are_main_only_and_the_guard_line_is_kept() -> None:
    result = facts(
        """
        import a
        if __name__ == "__main__":
            import b
        """
    )
    assert [(f.module, f.main_only) for f in result.imports] == [("a", False), ("b", True)]
    assert result.main_guard_line == 3


def test_reversed_main_guard_is_a_guard_too() -> None:
    result = facts("if '__main__' == __name__:\n    import b\n")
    assert result.imports[0].main_only
    assert result.main_guard_line == 1


def test_nested_main_test_is_not_the_module_guard() -> None:
    result = facts('def f():\n    if __name__ == "__main__":\n        import b\n')
    assert result.main_guard_line is None
    assert result.imports[0].main_only and result.imports[0].lazy


def test_flags_combine() -> None:
    fact = facts(
        """
        import sys
        def main():
            try:
                if sys.platform == "linux":
                    import uvloop
            except ImportError:
                pass
        """
    ).imports[-1]
    assert fact.flags == ("optional", "conditional", "lazy")


# -- sys.path edits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "op", "path", "anchor"),
    [
        (
            'sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)) + "/../..")',
            "insert",
            "../..",
            "file",
        ),
        ("sys.path.append(str(Path(__file__).resolve().parents[1]))", "append", "..", "file"),
        (
            'sys.path.insert(0, os.path.join(os.path.dirname(__file__), "src"))',
            "insert",
            "src",
            "file",
        ),
        ('sys.path.append("lib")', "append", "lib", "cwd"),
        ("sys.path.insert(0, os.getcwd())", "insert", ".", "cwd"),
        ('sys.path.append("/opt/code")', "append", "/opt/code", "abs"),
    ],
)
def test_syspath_idioms_are_evaluated(call: str, op: str, path: str, anchor: str) -> None:
    result = facts(f"import os, sys\nfrom pathlib import Path\n{call}\n")
    assert len(result.syspath) == 1
    edit = result.syspath[0]
    assert (edit.line, edit.op, edit.path, edit.anchor) == (3, op, path, anchor)


def test_syspath_through_a_name_bound_earlier() -> None:
    result = facts(
        "import sys\nfrom pathlib import Path\nROOT = Path(__file__).resolve().parent.parent\n"
        'sys.path.insert(0, str(ROOT / "src"))\n'
    )
    assert (result.syspath[0].path, result.syspath[0].anchor) == ("../src", "file")


def test_syspath_that_cannot_be_evaluated_keeps_its_expression() -> None:
    edit = facts("import sys, os\nsys.path.append(os.environ['X'])\n").syspath[0]
    assert (edit.path, edit.anchor) == (None, None)
    assert "os.environ" in edit.expr


def test_syspath_list_assignment_and_extend() -> None:
    result = facts('import sys\nsys.path = ["a"] + sys.path\nsys.path.extend(["b", "c"])\n')
    assert [(e.op, e.path) for e in result.syspath] == [
        ("insert", "a"),
        ("append", "b"),
        ("append", "c"),
    ]


# -- other facts ---------------------------------------------------------------------


def test_syntax_error_is_a_fact_not_an_exception() -> None:
    result = extract_facts("import os\ndef f(:\n    pass\n")
    assert result.syntax_error is not None
    assert result.imports == ()


def test_syntax_error_line_is_the_one_python_reports() -> None:
    source = "import csv\n\ndef oops(:\n    pass\n"
    with pytest.raises(SyntaxError) as info:
        compile(source, "x.py", "exec")
    result = extract_facts(source)
    assert result.syntax_error is not None
    assert result.syntax_error.line == info.value.lineno


def test_features_newer_than_some_targets() -> None:
    result = facts(
        """
        match x:
            case 1:
                pass
        type Alias = int
        def f[T](x: T) -> T:
            return x
        """
    )
    assert [(f.feature, f.min_version) for f in result.features] == [
        ("match statement", (3, 10)),
        ("type alias statement", (3, 12)),
        ("type parameters", (3, 12)),
    ]


def test_triple_quoted_fstring_with_the_quote_inside_is_no_312_feature() -> None:
    # Valid before 3.12: a triple-quoted f-string ends only at its triple quote. Was
    # reported as "f-string reusing its quotes" (IMP013, an error for a 3.11 target).
    text = (
        'a = f"""<rect {make("x", y=1)}/>"""\n'
        "b = f'''{d['k']} {f'{e}'}'''\n"
        "c = f\"{d['k']}\"\n"
    )
    compile(text, "x.py", "exec")
    assert extract_facts(text).features == ()
    assert fast_facts(text).features == ()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="only 3.12 reads these")
def test_fstring_reusing_its_quotes_is_a_312_feature() -> None:
    text = 'a = f"{d["k"]}"\nb = f"{f"{x}"}"\nc = f"""{"""y"""}"""\n'
    result = extract_facts(text)
    assert [(f.line, f.feature) for f in result.features] == [
        (1, "f-string reusing its quotes"),
        (2, "f-string reusing its quotes"),
        (3, "f-string reusing its quotes"),
    ]
    assert fast_facts(text) == result


def test_suppression_comments() -> None:
    text = "import a  # jobdeps: ignore\nimport b  # jobdeps: ignore[IMP001, IMP004]\nimport c\n"
    assert find_suppressions(text) == ((1, ()), (2, ("IMP001", "IMP004")))
    result = extract_facts(text)
    assert result.suppressed(1, "IMP999")
    assert result.suppressed(2, "IMP004") and not result.suppressed(2, "IMP003")
    assert not result.suppressed(3, "IMP001")


def test_path_literals() -> None:
    result = facts('CFG = "configs/train.yaml"\nURL = "https://x.org/a.json"\nWORD = "hello"\n')
    assert [(p.line, p.value) for p in result.path_literals] == [(1, "configs/train.yaml")]
    assert looks_like_path("data.csv") and not looks_like_path("plain")


def test_facts_round_trip_through_json() -> None:
    result = facts(
        """
        import sys
        from . import x
        try:
            import y
        except ImportError:
            pass
        sys.path.insert(0, "lib")
        if __name__ == "__main__":
            import z  # jobdeps: ignore
        """
    )
    assert facts_from_json(facts_to_json(result)) == result


def test_import_error_handler_that_reraises_is_not_optional() -> None:
    fact = only(
        """
        try:
            import torch
        except ImportError as exc:
            raise SystemExit("this job needs torch") from exc
        """
    )
    assert not fact.optional


def test_suppress_import_error_is_optional() -> None:
    fact = facts(
        "from contextlib import suppress\nwith suppress(ImportError):\n    import uvloop\n"
    ).imports[-1]
    assert fact.optional


def test_nesting_beyond_the_visitors_is_a_finding_not_a_crash(tmp_path) -> None:
    """Valid Python nested deeper than libcst's visitors recurse once stopped the run
    with "internal error: RecursionError"; a chain too long for CPython itself made
    libcst's native parser overflow its stack and kill the process (SIGSEGV)."""
    import subprocess
    import sys

    deep = "import sys\nsys.path.insert(0, " + "str(" * 150 + '"x"' + ")" * 150 + ")\n"
    compile(deep, "deep.py", "exec")  # CPython takes it
    (tmp_path / "deep.py").write_text(deep)
    (tmp_path / "chain.py").write_text("x = " + "+".join(["1"] * 8000) + "\nimport json\n")
    (tmp_path / "main.py").write_text("import deep\nimport chain\n")
    proc = subprocess.run(
        [sys.executable, "-m", "jobdeps", "analyze", "main.py", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert "deep.py:1: IMP011 error: cannot read deep.py: nested too deeply" in proc.stdout
    # Whether the interpreter's compiler takes the chain depends on the version (3.10
    # does) and on how deep its stack already is: either way, a finding or the facts.
    cannot = "chain.py:1:1: IMP010 error: syntax error: Python cannot compile it"
    read = "chain.py:" not in proc.stdout.split("Findings")[1] and "json" in proc.stdout
    assert cannot in proc.stdout or read, proc.stdout


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ('__import__("pkg", fromlist=["sub", "other"])\n', ("sub", "other")),
        ('m = __import__("pkg", globals(), locals(), ("sub",), 0)\n', ("sub",)),
        ('__import__("pkg", fromlist=[name])\n', ()),
        ('__import__("pkg")\n', ()),
    ],
)
def test_dunder_import_fromlist(code: str, names: tuple[str, ...]) -> None:
    """`__import__("pkg", fromlist=["sub"])` imports pkg.sub: the names were dropped."""
    from jobdeps.analyzer.fastpath import fast_facts

    (fact,) = extract_facts(code).imports
    assert (fact.kind, fact.module, fact.names) == ("dynamic", "pkg", names)
    assert fast_facts(code) == extract_facts(code)


def test_dunder_import_fromlist_reaches_the_submodule(tmp_path) -> None:
    from jobdeps.analyzer.analysis import AnalysisOptions, analyze
    from jobdeps.analyzer.entries import EntrySpec

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub.py").write_text("import yaml\n")
    (tmp_path / "main.py").write_text('mod = __import__("pkg", fromlist=["sub"])\n')
    result = analyze([EntrySpec("script", "main.py")], AnalysisOptions(root=tmp_path))
    assert "pkg/sub.py" in result.local_files
    assert [r.name for r in result.requirements] == ["PyYAML"]
