"""loky 3.7: a Process whose name begins with '-' never runs (python loky_3_7_process_name.py).

The documentation of multiprocessing.Process: "The name is a string used for identification
purposes only". Under loky's "loky" start method the child's command line carries the name, and
its parser takes "-z" for an option: the child exits with 2 before its target runs.
"""

from loky.backend import get_context


def target(path):
    with open(path, "w") as f:
        f.write("ran")


if __name__ == "__main__":
    import os
    import tempfile

    ctx = get_context("loky")
    for name in ("z", "-z"):
        path = os.path.join(tempfile.mkdtemp(), "ran")
        child = ctx.Process(target=target, args=(path,), name=name)
        child.start()
        child.join(30)
        print("name %r: exitcode %s, target ran: %s" % (name, child.exitcode, os.path.exists(path)))
