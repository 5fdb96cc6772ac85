"""The reference collector run over a skeleton of a module (see :mod:`.fastpath`).

The skeleton's lines are original lines verbatim, so libcst's columns are the
original columns; its line numbers are mapped back through ``line_map``.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper

from jobdeps.analyzer.extract import _Collector
from jobdeps.analyzer.facts import FileFacts


class _MappedCollector(_Collector):
    def __init__(self, line_map: list[int]) -> None:
        super().__init__()
        self.line_map = line_map

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        line, col = super().pos(node)
        return self.line_map[line - 1], col


def collect_skeleton(text: str, line_map: list[int]) -> FileFacts | None:
    """Facts of the skeleton ``text`` at original lines; None if libcst rejects it."""
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    collector = _MappedCollector(line_map)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    return FileFacts(
        imports=tuple(collector.imports),
        syspath=tuple(collector.syspath),
        path_literals=tuple(collector.literals),
        features=tuple(collector.features),
        main_guard_line=collector.main_guard_line,
    )
