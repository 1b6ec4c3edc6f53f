#!/usr/bin/env bash
# How the published matrix (docs/conformance/) is made: the kit on every interpreter here (CPython
# 3.8-3.13 from pyenv, PyPy from the distribution), each with the standard library's multiprocessing,
# and multiprocess, billiard and loky on 3.11-3.13, every start method each offers; then the merge.
# Usage: bash docs/conformance/collect.sh [VENV_DIR]   (about an hour on a 2-core machine)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
venvs=${1:-/tmp/ipc-spec-matrix}
out=docs/conformance/reports
mkdir -p "$venvs" "$out"

run() {  # run NAME PYTHON IMPL [PACKAGES...]
    local name=$1 python=$2 impl=$3; shift 3
    local venv=$venvs/$name
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || return 0
    "$venv/bin/python" -m pip install --quiet -e "$root" "$@" || return 0
    (cd "$venvs" && "$venv/bin/python" -m ipc_spec -n 2 --ipc-impl="$impl" \
        --ipc-report="$root/$out/$name.json" -q -p no:randomly) > "$venvs/$name.log" 2>&1
    echo "$name: $(tail -n 1 "$venvs/$name.log")"
}

for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
    exe=$(ls "$(pyenv root)"/versions/$v.*/bin/python$v 2>/dev/null | tail -n 1)
    [ -n "$exe" ] || continue
    tag=cp${v/./}
    run "$tag-multiprocessing" "$exe" multiprocessing
    case $v in 3.11|3.12|3.13)
        run "$tag-multiprocess" "$exe" multiprocess multiprocess
        run "$tag-billiard" "$exe" billiard billiard
        run "$tag-loky" "$exe" loky.backend loky ;;
    esac
done
command -v pypy3 >/dev/null && run pypy3-multiprocessing pypy3 multiprocessing

"$venvs/cp311-multiprocessing/bin/python" -m ipc_spec.report "$out" --markdown docs/conformance/matrix.md \
    --html docs/conformance/matrix.html --reproducers docs/conformance/reproducers
