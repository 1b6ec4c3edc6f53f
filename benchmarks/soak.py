"""Soak: the project's whole test command, many times over, while every core is kept busy.

    python benchmarks/soak.py [--runs N] [--quick] [--hogs K] [--timeout S] [--json PATH]
                              [--command "python -m pytest ..."] [-- extra pytest arguments]

Runs ``python -m pytest -q -p no:cacheprovider --hypothesis-profile=ci`` (``--quick``: on
``ipc_spec/suite`` only; ``--command`` replaces it, a leading ``python`` meaning this interpreter)
``--runs`` times (default 20) from the project's root, while ``--hogs`` busy-loop processes (default:
one per core) saturate the machine. The kit must never be flaky under load: any failed run is a
defect to chase. Prints each run as it ends (with the short summary of a failed one), then a table
and JSON (also written to ``--json``): runs, failures, seconds per run.

The hogs are started and stopped by this script and always reaped, on Ctrl-C and SIGTERM too; each
also watches this script and ends within a fraction of a second if it is killed outright. A run
that exceeds ``--timeout`` is interrupted (SIGINT, then SIGKILL to its process group) and counted
as failed. On Linux a run is interrupted (SIGINT) if this script dies.
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_COMMAND = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-profile=ci"]
#: The busy loop: checks every few milliseconds that the script that started it is still there.
HOG = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    for _ in range(20000):\n        pass\n"
#: Seconds a run gets to stop after SIGINT before its process group is killed.
GRACE = 30.0


class Stop(BaseException):
    """SIGTERM or SIGHUP: stop like Ctrl-C."""


def _raise_stop(signum, frame):
    raise Stop("signal %d" % signum)


class Hogs(object):
    """``count`` busy-loop processes, one per core by default."""

    def __init__(self, count):
        self.count = count
        self.procs = []

    def __enter__(self):
        try:
            for _ in range(self.count):
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-c", HOG, str(os.getpid())], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, start_new_session=True))  # Ctrl-C is ours to handle
        except BaseException:
            self.stop()
            raise
        return self

    def alive(self):
        return [p.pid for p in self.procs if p.poll() is None]

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []

    def __exit__(self, *exc):
        self.stop()


def _run_setup():
    """In the run's process, before it starts: SIGINT back to its default, so that the run can be
    interrupted even if this script was started with SIGINT ignored (as a shell starts a background
    job); and (Linux) SIGINT when this script dies, so that no run outlives it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
        except Exception:
            pass


def _stop_run(proc):
    """Interrupt a run (SIGINT to its process group, as Ctrl-C would), then kill it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(GRACE)
    except (OSError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()


def summary(output, rc):
    """The lines that say why a run failed: pytest's FAILED/ERROR lines and its last line."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    picked = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]
    if lines and lines[-1] not in picked:
        picked.append(lines[-1])
    return picked or ["exit code %s, no output" % rc]


def run_once(command, timeout):
    """Run ``command`` once; returns ``(exit code, seconds, output)``, exit code None on timeout."""
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_run_setup if os.name == "posix" else None)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            _stop_run(proc)  # a timeout, Ctrl-C or SIGTERM: the run does not outlive this
        seconds = time.monotonic() - start
        out.seek(0)
        return rc, seconds, out.read().decode("utf-8", "replace")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("--quick", action="store_true", help="only the conformance suite, ipc_spec/suite")
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 1,
                        help="busy-loop processes (default: one per core, %(default)s)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds one run may take before it is stopped and counted failed")
    parser.add_argument("--command", default=None,
                        help="the test command (default: %s)" % " ".join(DEFAULT_COMMAND))
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the JSON here")
    parser.add_argument("extra", nargs="*", help="arguments appended to the command (after --)")
    args = parser.parse_args(argv)

    command = shlex.split(args.command) if args.command else list(DEFAULT_COMMAND)
    if command and command[0] == "python":
        command[0] = sys.executable
    if args.quick and not args.command:
        command.append("ipc_spec/suite")
    command += args.extra

    old = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    old[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)  # even if ignored
    results = []
    interrupted = None
    print("soak: %d runs of: %s" % (args.runs, " ".join(shlex.quote(c) for c in command)), flush=True)
    try:
        with Hogs(args.hogs) as hogs:
            print("soak: %d busy-loop processes on %d cores (pids %s)"
                  % (len(hogs.procs), os.cpu_count() or 1, " ".join(map(str, hogs.alive()))), flush=True)
            for number in range(1, args.runs + 1):
                rc, seconds, output = run_once(command, args.timeout)
                ok = rc == 0
                result = {"run": number, "exit_code": rc, "seconds": round(seconds, 2), "ok": ok,
                          "load": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}
                if not ok:
                    result["summary"] = summary(output, rc) if rc is not None else [
                        "timed out after %.0f s" % args.timeout] + summary(output, rc)
                results.append(result)
                print("run %d/%d: %s in %.1f s (load %s)" % (
                    number, args.runs, "ok" if ok else "FAILED (exit code %s)" % rc, seconds,
                    result["load"]), flush=True)
                for line in result.get("summary", []):
                    print("    " + line, flush=True)
                if len(hogs.alive()) < hogs.count:
                    print("soak: a busy-loop process ended early", flush=True)
    except (KeyboardInterrupt, Stop) as exc:
        interrupted = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        print("soak: %s after %d runs; the busy-loop processes are stopped" % (interrupted, len(results)),
              flush=True)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)

    seconds = [r["seconds"] for r in results]
    report = {
        "command": command,
        "hogs": args.hogs,
        "runs": len(results),
        "failures": sum(1 for r in results if not r["ok"]),
        "seconds_per_run": {"min": min(seconds), "mean": round(sum(seconds) / len(seconds), 2),
                            "max": max(seconds)} if seconds else None,
        "interrupted": interrupted,
        "results": results,
    }
    print()
    print("%-5s %-10s %9s %6s" % ("run", "result", "seconds", "load"))
    for r in results:
        print("%-5d %-10s %9.1f %6s" % (r["run"], "ok" if r["ok"] else "FAILED", r["seconds"], r["load"]))
    if seconds:
        print("%d runs, %d failed; seconds per run: min %.1f, mean %.1f, max %.1f" % (
            report["runs"], report["failures"], min(seconds), report["seconds_per_run"]["mean"],
            max(seconds)))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    if interrupted:
        return 130
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
