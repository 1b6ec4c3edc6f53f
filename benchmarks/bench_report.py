"""What the report costs: writing one at the end of a run, and merging many.

    python benchmarks/bench_report.py [--reports DIR] [--merge 50] [--repeat 5]

*Write*: the verdicts of the largest report in DIR (default: the published ones,
``docs/conformance/reports``) are fed back through the plugin's own recorder
(``ipc_spec.verdicts.Verdicts``), one record per failure plus one per passing clause, and the report
is built, validated against the schema and written, as ``--ipc-report`` does at the end of a run.
*Merge*: ``--merge`` report files (the published ones, repeated) are merged and written as
terminal summary, Markdown and HTML, as ``python -m ipc_spec.report`` does, with and without the
schema check. Prints the median of ``--repeat`` timings of each.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from ipc_spec import verdicts  # noqa: E402
from ipc_spec.report.html import page  # noqa: E402
from ipc_spec.report.matrix import merge, report_paths  # noqa: E402
from ipc_spec.report.render import markdown, terminal  # noqa: E402


class FakeImpl(object):
    def __init__(self, run):
        self.spec, self.version = run["impl"], run["impl_version"]


class FakeConfig(object):
    def getoption(self, name, default=None):
        return default


class FakeKit(object):
    """What ``verdicts.report`` reads of the plugin's Kit, filled from a report."""

    def __init__(self, data):
        self.config = FakeConfig()
        self.impl = FakeImpl(data["run"])
        self.methods = data["run"]["start_methods"]
        self.verdicts = verdicts.Verdicts()
        for failure in data["failures"]:
            self.verdicts.add({"ipc_test": failure["test"] + failure["clause"], "ipc_start_method": failure["method"],
                               "ipc_rows": [failure["clause"]], "ipc_failed": [[failure["clause"], failure["message"]]],
                               "ipc_program": failure["program"], "ipc_detail": {
                                   k: failure[k] for k in ("scenario", "history", "blob", "replay", "timing", "known")},
                               "ipc_promises": {failure["clause"]: data["clauses"].get(failure["clause"], "")}},
                              failure["verdict"])
        for row, cells in data["verdicts"].items():
            for method in cells:
                self.verdicts.add({"ipc_test": row, "ipc_start_method": method, "ipc_rows": [row],
                                   "ipc_promises": {row: data["clauses"].get(row, "")}}, "pass")


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", default=os.path.join(HERE, os.pardir, "docs", "conformance", "reports"))
    parser.add_argument("--merge", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = report_paths([args.reports])
    sizes = {path: os.path.getsize(path) for path in paths}
    largest = max(paths, key=sizes.get)
    with open(largest) as f:
        data = json.load(f)
    kit = FakeKit(data)
    work = tempfile.mkdtemp(prefix="bench-report-")
    try:
        out = os.path.join(work, "report.json")

        def write():
            report = verdicts.report(kit)
            verdicts.validate_report(report)
            with open(out, "w") as f:
                json.dump(report, f, indent=2, sort_keys=True)

        print("write: %s (%d failures, %d rows, %.0f kB): %.3f s" % (
            os.path.basename(largest), len(data["failures"]), len(data["verdicts"]), sizes[largest] / 1e3,
            timed(write, args.repeat)))
        copies = []
        for i in range(args.merge):
            path = os.path.join(work, "r%03d.json" % i)
            shutil.copy(paths[i % len(paths)], path)
            copies.append(path)
        total = sum(os.path.getsize(p) for p in copies) / 1e6
        for validate in (True, False):
            def merge_all():
                matrix = merge(copies, validate=validate)
                terminal(matrix)
                markdown(matrix)
                page(matrix)

            print("merge %d reports (%.1f MB)%s, summary + Markdown + HTML: %.3f s" % (
                args.merge, total, "" if validate else " without the schema check", timed(merge_all, args.repeat)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
