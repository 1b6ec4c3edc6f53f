#!/usr/bin/env bash
# Runs every published reproducer (docs/conformance/reproducers/) on its own, with the interpreter
# and implementation of its column (the venvs collect.sh made), and writes what each did to
# docs/conformance/reproducers/RESULTS.md: exit 1 means the divergence showed.
# Usage: bash docs/conformance/check-reproducers.sh [VENV_DIR]
set -uo pipefail
cd "$(dirname "$0")/reproducers"
venvs=${1:-/tmp/ipc-spec-matrix}
here=$PWD
{
    echo "# The reproducers, each run on its own"
    echo
    echo "\`bash docs/conformance/check-reproducers.sh\` on $(date -u +%Y-%m-%d): exit 1 = the divergence showed, 0 = it did not, 2 = the example could not run."
    echo
    echo "| reproducer | interpreter | exit | last line |"
    echo "|---|---|---|---|"
    for script in *.py; do
        column=${script#*--}; column=${column%--*}          # cp_3.11_billiard
        kind=${column%%_*}; rest=${column#*_}; version=${rest%%_*}; impl=${rest#*_}
        if [ "$kind" = pypy ]; then venv=pypy3-$impl; else venv=cp${version/./}-$impl; fi
        python=$venvs/$venv/bin/python
        if [ ! -x "$python" ]; then echo "| $script | $venv (missing) | - | - |"; continue; fi
        out=$(cd /tmp && timeout 300 "$python" "$here/$script" 2>&1)
        code=$?
        last=$(printf '%s\n' "$out" | tail -n 1)
        echo "| [$script]($script) | $venv | $code | ${last//|/\\|} |"
    done
} > RESULTS.md
cat RESULTS.md
