"""``python -m jobdeps``: the same as the ``jobdeps`` command.

``-m`` puts the working folder first on ``sys.path``; in a user's project that
folder may hold ``random.py`` or ``yaml.py``, which must never shadow what jobdeps
itself imports. The ``jobdeps`` package is already imported, so dropping the
entry is safe.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from jobdeps.cli.launch import main

if __name__ == "__main__":
    main()
