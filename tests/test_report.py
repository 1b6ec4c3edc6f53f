"""``python -m ipc_spec.report``: the merge of real reports (the published ones, from runs on
several interpreters and implementations, ``docs/conformance/reports``) into a matrix, its
Markdown and terminal forms, conflicts, old reports, and bad input."""

import copy
import json
import os
import re
import subprocess
import sys

import pytest

from ipc_spec.report.html import page
from ipc_spec.report.matrix import column_of, load, merge, report_paths
from ipc_spec.report.render import markdown, terminal
from ipc_spec.verdicts import validate_report

REPORTS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "conformance", "reports")


def reports():
    return [load(path) for path in report_paths([REPORTS])]


def test_the_published_reports_follow_the_schema_and_are_many():
    found = reports()
    assert len(found) >= 15
    for data in found:
        validate_report(data)


def test_the_merge_keeps_every_verdict_of_every_report():
    """Each cell of the matrix holds the verdict its report gave (one report per column here), and
    the columns are the (interpreter, implementation, platform) of the runs."""
    found = reports()
    matrix = merge([REPORTS])
    assert len(matrix.columns) == len({column_of(d["run"]) for d in found})
    for data in found:
        column = column_of(data["run"])
        for row, cells in data["verdicts"].items():
            for method, verdict in cells.items():
                assert matrix.cell(row, column, method) == ([] if verdict == "not run" else [verdict])


def test_markdown_and_terminal_show_every_clause_and_every_divergence():
    matrix = merge([REPORTS])
    text = markdown(matrix)
    for row in matrix.rows:
        assert "\n| %s |" % row in text
    divergent = {row for row, _, _ in matrix.divergent()}
    assert divergent, "the published runs show divergences"
    for row in divergent:
        assert "\n### %s\n" % row in text
    summary = terminal(matrix)
    for row in divergent:
        assert "  %s [" % row in summary


def _two_runs_that_disagree(tmp_path):
    data = next(d for d in reports() if d["failures"])
    other = copy.deepcopy(data)
    row = sorted(data["verdicts"])[0]
    method = sorted(data["verdicts"][row])[0]
    mine = data["verdicts"][row][method]
    other["verdicts"][row][method] = "fail" if mine != "fail" else "pass"
    paths = []
    for name, content in (("a.json", data), ("b.json", other)):
        path = tmp_path / name
        path.write_text(json.dumps(content))
        paths.append(str(path))
    return paths, row, column_of(data["run"]), method


def test_two_runs_that_disagree_are_a_conflict_never_hidden(tmp_path):
    paths, row, column, method = _two_runs_that_disagree(tmp_path)
    matrix = merge(paths)
    verdicts = matrix.cell(row, column, method)
    assert len(verdicts) == 2 and "fail" in verdicts
    assert (row, column, method) in matrix.divergent()
    assert "conflict: " in markdown(matrix) and "cells where runs disagree" in terminal(matrix)
    assert 'class="v-conflict"' in page(matrix)


def test_a_schema_1_report_is_read(tmp_path):
    old = {"schema": 1, "python": "3.11.7", "implementation": "CPython", "platform": "Linux",
           "sys_platform": "linux", "impl": "multiprocessing", "impl_version": "stdlib, Python 3.11.7",
           "start_methods": ["fork"], "verdicts": {"barrier.indices": {"fork": "fail"}},
           "clauses": {"barrier.indices": "a permutation"},
           "failures": [{"clause": "barrier.indices", "method": "fork", "test": "t", "verdict": "fail",
                         "message": "two zeros", "program": "b = Barrier(2)"}]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    matrix = merge([str(path)])
    column = matrix.columns[0]
    assert matrix.cell("barrier.indices", column, "fork") == ["fail"]
    assert matrix.failure("barrier.indices", column, "fork")["message"] == "two zeros"
    assert "two zeros" in page(matrix)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ipc_spec.report"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


@pytest.mark.parametrize("content, text", [
    (None, "cannot read it"),
    ("{not json", "not JSON"),
    ('{"hello": 1}', "not an ipc-spec report"),
    ('{"schema": 2, "run": {}, "verdicts": {}, "clauses": {}, "failures": []}',
     "does not follow the report schema at run"),
])
def test_bad_input_is_one_clear_line(tmp_path, content, text):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    result = cli(str(path))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and text in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_writes_markdown_html_and_reproducers(tmp_path):
    result = cli(REPORTS, "--markdown", str(tmp_path / "m.md"), "--html", str(tmp_path / "m.html"),
                 "--reproducers", str(tmp_path / "scripts"))
    assert result.returncode == 0, result.stderr
    assert "ipc-spec conformance matrix" in result.stdout
    text = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert "[m.html](m.html)" in text
    scripts = sorted(os.listdir(str(tmp_path / "scripts")))
    assert scripts and all(name.endswith(".py") for name in scripts)
    assert "(scripts/%s)" % scripts[0] in text
    assert 'href="scripts/%s"' % scripts[0] in (tmp_path / "m.html").read_text(encoding="utf-8")
    for name in scripts:
        source = (tmp_path / "scripts" / name).read_text()
        assert not re.search(r"^\s*(import|from)\s+ipc_spec", source, re.M), "a reproducer imports nothing of the kit"


def test_the_shipped_ci_matrix_merges_what_its_jobs_upload():
    """``docs/ci/conformance-matrix.yml``: every job runs the installed kit with a report, uploads
    it, and the last job merges them all with this command's options."""
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (pip install -e '.[test]')")
    path = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "ci", "conformance-matrix.yml")
    with open(path) as f:
        workflow = yaml.safe_load(f)
    run, merge_job = workflow["jobs"]["run"], workflow["jobs"]["merge"]
    matrix = run["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert {"3.8", "3.13"} <= set(matrix["python"]) and any(p.startswith("pypy") for p in matrix["python"])
    assert {"multiprocessing", "multiprocess", "billiard", "loky.backend"} == set(matrix["impl"])
    scripts = "\n".join(step.get("run", "") for step in run["steps"])
    assert "python -m ipc_spec " in scripts and "--ipc-report=" in scripts
    assert any(step.get("uses", "").startswith("actions/upload-artifact") and step.get("if") == "always()"
               for step in run["steps"])
    assert merge_job["needs"] == "run" and merge_job["if"] == "always()"
    merging = "\n".join(step.get("run", "") for step in merge_job["steps"])
    assert "python -m ipc_spec.report reports --markdown matrix.md --html matrix.html --reproducers" in merging
    from ipc_spec.report.__main__ import _parser

    options = {o for action in _parser()._actions for o in action.option_strings}
    assert {"--markdown", "--html", "--reproducers"} <= options


def test_an_output_that_cannot_be_written_is_one_clear_line(tmp_path):
    result = cli(REPORTS, "--markdown", str(tmp_path / "no" / "such" / "m.md"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("No such file or directory") and "Traceback" not in result.stderr
