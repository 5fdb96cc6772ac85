"""The calls that start a program from Python, as the collector reads them.

``subprocess.run([sys.executable, "prep.py"])`` or ``os.system("python train.py")``
in a job's code runs another Python program: its imports are the job's too, and
its files must ship. The collector (:mod:`jobdeps.analyzer.extract`) turns such a
call into a ``run-command`` fact holding the command as shell text; the walk reads
it as it reads the config's ``cmd`` (:mod:`jobdeps.analyzer.cmdline`). The fast
readers only need to know which words may start one (:mod:`jobdeps.analyzer.marks`).
"""

from __future__ import annotations

#: ``qualified name -> (how, index, keyword)`` of the command argument. ``how``:
#: ``argv`` (a list of words, or shell text with ``shell=True``), ``shell`` (shell
#: text), ``execv`` (``path, argv``), ``execl`` (``path, arg0, arg1...``), ``execle``
#: (the same with the environment last).
LAUNCHERS: dict[str, tuple[str, int, str]] = {
    **{
        f"subprocess.{name}": ("argv", 0, "args")
        for name in ("run", "call", "check_call", "check_output", "Popen")
    },
    "subprocess.getoutput": ("shell", 0, "cmd"),
    "subprocess.getstatusoutput": ("shell", 0, "cmd"),
    "os.system": ("shell", 0, "command"),
    "os.popen": ("shell", 0, "cmd"),
    **{f"os.{name}": ("execv", 0, "path") for name in ("execv", "execve", "execvp", "execvpe")},
    "os.execl": ("execl", 0, ""),
    "os.execlp": ("execl", 0, ""),
    "os.execle": ("execle", 0, ""),
    "os.execlpe": ("execle", 0, ""),
}

#: The functions of ``os`` in :data:`LAUNCHERS`: words the fast readers look for.
OS_LAUNCHERS = frozenset(name.split(".")[1] for name in LAUNCHERS if name.startswith("os."))

#: The shell variable a ``run-command``'s path built from ``__file__`` starts with: the
#: walk sets it to the folder of the file that holds the call.
FILE_DIR = "${JOBDEPS_FILE_DIR}"
FILE_DIR_NAME = "JOBDEPS_FILE_DIR"
#: The same for ``__file__`` itself (a script that starts itself again, as a child).
FILE_PATH = "${JOBDEPS_FILE}"
FILE_PATH_NAME = "JOBDEPS_FILE"
#: A word of a command that is computed at run time: a variable no one sets.
COMPUTED = "${computed}"
