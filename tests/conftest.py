"""Shared test setup: no test ever reads or writes the user's real cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Point ``JOBDEPS_CACHE_DIR`` at a per-session temporary folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOBDEPS_CACHE_DIR", str(tmp_path_factory.mktemp("jobdeps-cache")))
        patch.delenv("JOBDEPS_NO_CACHE", raising=False)
        yield
