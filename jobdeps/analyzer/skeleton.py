"""The reference collector run over a skeleton of a module (see :mod:`.fastpath`).

The skeleton's lines are original lines verbatim, so libcst's columns are the
original columns; its line numbers are mapped back through ``line_map``.

Positions are computed without ``MetadataWrapper`` (which generates code for the
whole tree): only the top-level statements that hold a fact are generated
again, one at a time, with libcst's own position-tracking codegen state
starting at the line where the plan put that statement.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from jobdeps.analyzer.extract import _Collector
from jobdeps.analyzer.facts import FileFacts

_IMPORTS = (cst.Import, cst.ImportFrom)


class _MappedCollector(_Collector):
    def __init__(self, module: cst.Module, line_map: list[int], starts: list[int] | None) -> None:
        super().__init__()
        self.module = module
        self.line_map = line_map
        self.starts = starts
        self.current = 0  # index of the top-level statement being visited
        self.first_small: cst.CSTNode | None = None  # its first small statement, if simple
        self.positions: dict[int, PositionProvider] = {}

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        if self.starts is None:  # visited through MetadataWrapper
            line, col = super().pos(node)
        elif node is self.first_small:  # the statement's own start: no codegen needed
            line, col = self.starts[self.current], 0  # type: ignore[index]
        else:
            start = self._positions().get(node)
            if start is None:  # pragma: no cover - every node gets a position
                raise LookupError("no position for node")
            line, col = start.start.line, start.start.column
        return self.line_map[line - 1], col

    def _positions(self) -> dict:
        provider = self.positions.get(self.current)
        if provider is None:
            statement = self.module.body[self.current]
            provider = PositionProvider()
            state = PositionProvidingCodegenState(
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
                provider=provider,
            )
            leading = len(getattr(statement, "leading_lines", ()))
            state.line = self.starts[self.current] - leading  # type: ignore[index]
            statement._codegen(state)
            self.positions[self.current] = provider
        return provider._computed


def collect_skeleton(
    text: str, line_map: list[int], starts: list[int] | None = None
) -> FileFacts | None:
    """Facts of the skeleton ``text`` at original lines; None if libcst rejects it.

    ``starts``: the skeleton line of each top-level statement (from the plan);
    without it (or if libcst groups the statements differently) positions come
    from ``MetadataWrapper``.
    """
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    if starts is not None and len(starts) != len(module.body):
        starts = None
    collector = _MappedCollector(module, line_map, starts)
    if starts is None:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    else:
        for index, statement in enumerate(module.body):
            collector.current = index
            collector.first_small = None
            if isinstance(statement, cst.SimpleStatementLine) and not statement.leading_lines:
                collector.first_small = statement.body[0]
                if all(isinstance(s, _IMPORTS) for s in statement.body):
                    # What the visitor would do, without rebuilding every node: an
                    # import holds nothing else the collector looks at.
                    for small in statement.body:
                        if isinstance(small, cst.Import):
                            collector.visit_Import(small)
                        else:
                            collector.visit_ImportFrom(small)  # type: ignore[arg-type]
                    continue
            statement.visit(collector)
    return collector.facts()
