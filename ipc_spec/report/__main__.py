"""``python -m ipc_spec.report``: merge reports into a matrix, or write a standalone reproducer.

    python -m ipc_spec.report REPORT_OR_DIR... [--markdown FILE] [--html FILE] [--reproducers DIR]
    python -m ipc_spec.report --reproducer REPORT --clause CLAUSE [--method METHOD] [-o FILE]

The first form prints a summary of the merged matrix and writes it as Markdown and as one
self-contained HTML page; ``--reproducers DIR`` writes a standalone script for each divergent cell
that has a minimal example, and links it from both. The second form writes the script for one failure
of one report (to standard output without ``-o``). Bad input is one line on standard error and exit
status 2.
"""

import argparse
import os
import re
import sys

from .matrix import ReportError, load, merge


def _parser():
    parser = argparse.ArgumentParser(prog="python -m ipc_spec.report",
                                     description="Merge ipc-spec reports (--ipc-report) into one conformance "
                                                 "matrix, or write a standalone reproducer of one failure.",
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="REPORT_OR_DIR",
                        help="reports written with --ipc-report, or directories of them (*.json)")
    parser.add_argument("--markdown", metavar="FILE", help="write the matrix as Markdown")
    parser.add_argument("--html", metavar="FILE", help="write the matrix as one self-contained HTML page")
    parser.add_argument("--reproducers", metavar="DIR",
                        help="write a standalone reproducer for each divergent cell into DIR, linked "
                             "from the Markdown and the HTML")
    parser.add_argument("--no-validate", action="store_true",
                        help="do not check the reports against the schema (faster on many large reports)")
    parser.add_argument("--reproducer", metavar="REPORT",
                        help="write the standalone reproducer of one failure of REPORT instead")
    parser.add_argument("--clause", help="with --reproducer: the failing clause (row) to reproduce")
    parser.add_argument("--method", help="with --reproducer: its start method (default: the first that failed)")
    parser.add_argument("-o", "--output", metavar="FILE", help="with --reproducer: where to write the script")
    return parser


def _fail(text):
    sys.stderr.write("python -m ipc_spec.report: error: %s\n" % text)
    return 2


def _slug(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")


def one_reproducer(args) -> int:
    from .reproducer import ReproducerError, script

    if not args.clause:
        return _fail("--reproducer needs --clause (a row of the report's failures)")
    data = load(args.reproducer)
    failures = [f for f in data["failures"] if f["clause"] == args.clause
                and (args.method is None or f["method"] == args.method)]
    if not failures:
        known = sorted({"%s [%s]" % (f["clause"], f["method"]) for f in data["failures"]})
        return _fail("%s has no failure of %s%s; its failures: %s" % (
            args.reproducer, args.clause, " under %s" % args.method if args.method else "",
            ", ".join(known) or "none"))
    try:
        text = script(data["run"], failures[0], data["clauses"].get(args.clause, ""))
    except ReproducerError as exc:
        return _fail(str(exc))
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
        sys.stdout.write("reproducer written to %s\n" % args.output)
    else:
        sys.stdout.write(text)
    return 0


def write_reproducers(matrix, directory):
    """One script per divergent (clause, column) with a minimal example: ``{cell: path}`` and the
    cells that could not get one (with the reason)."""
    from .reproducer import ReproducerError, script

    os.makedirs(directory, exist_ok=True)
    written, refused, done = {}, [], {}
    for row, column, method in matrix.divergent():
        failure = matrix.failure(row, column, method)
        if failure is None or not failure.get("scenario"):
            continue
        key = (row, column)
        if key not in done:
            run = next(r for r in matrix.runs[column] if r.get("source") == failure.get("source"))
            path = os.path.join(directory, "%s--%s--%s.py" % (_slug(row), _slug(column.short), _slug(method)))
            try:
                text = script(run, failure, matrix.clauses.get(row.split(":")[-1], ""))
            except ReproducerError as exc:
                refused.append((row, column, method, str(exc)))
                done[key] = None
                continue
            with open(path, "w") as f:
                f.write(text)
            done[key] = path
        if done[key]:
            written[(row, column, method)] = done[key]
    return written, refused


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except OSError as exc:  # an output that cannot be written
        return _fail("cannot write %s: %s" % (exc.filename or "the output", exc.strerror or exc))


def _main(args) -> int:
    try:
        if args.reproducer:
            return one_reproducer(args)
        if not args.paths:
            return _fail("give at least one report (or a directory of them); see --help")
        matrix = merge(args.paths, validate=not args.no_validate)
    except ReportError as exc:
        return _fail(str(exc))
    from .html import page
    from .render import markdown, terminal

    scripts, refused = ({}, [])
    if args.reproducers:
        scripts, refused = write_reproducers(matrix, args.reproducers)
    print(terminal(matrix))
    for row, column, method, reason in refused:
        print("no reproducer for %s in %s: %s" % (row, column.label, reason))
    refusals = {(row, column, method): reason for row, column, method, reason in refused}

    def relative(to):
        base = os.path.dirname(os.path.abspath(to))
        return {cell: os.path.relpath(path, base).replace(os.sep, "/") for cell, path in scripts.items()}

    if args.markdown:
        html_link = os.path.relpath(args.html, os.path.dirname(os.path.abspath(args.markdown))) if args.html else None
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(matrix, relative(args.markdown), html_link, refusals))
        print("Markdown written to %s" % args.markdown)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as f:
            f.write(page(matrix, relative(args.html)))
        print("HTML written to %s" % args.html)
    if scripts:
        print("%d reproducers written to %s" % (len(set(scripts.values())), args.reproducers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
