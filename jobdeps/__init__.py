"""jobdeps: static dependency analysis and bundling for Python jobs on remote runners."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
