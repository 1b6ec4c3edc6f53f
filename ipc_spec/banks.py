"""Which crew serves the next example: crews and their banks, as an :class:`~ipc_spec.harness.Env`
keeps them (a mixin of ``Env``). A crew serves while it has enough workers and unused objects of
every kind the example asks for; a kind half used starts a standby crew with twice as many; a
crew that runs dry is retired and the standby (or a new crew) takes over. A crew whose workers die
before calling in has the host probe its kinds (:mod:`ipc_spec.crews`).
"""

from typing import Any, Dict, Optional, Sequence

from . import crews as _crews
from .crews import BANK_MAX, Crew, bank_sizes
from .errors import HarnessError
from .objects import Make


class Retry(Exception):
    """A crew failed to start because of kinds now known to be lacking: build another."""


class Banks(object):
    """The crew-choosing half of :class:`~ipc_spec.harness.Env`."""

    def provision(self, makes: Sequence[Make] = (), procs: int = 0):
        """Tell the harness up front which kinds of object and how many processes examples will
        use, so that one crew serves them all instead of one crew per new kind."""
        for make in makes:
            if isinstance(make, Make) and not make.sent:
                self.want.setdefault(make.key, (make, bank_sizes(make)[1]))
        self.size = max(self.size, procs)

    def _crew_for(self, objects: Dict[str, Any], procs: int) -> Crew:
        self._check_lacking(objects)
        makes = [m for m in objects.values() if isinstance(m, Make) and not m.sent]
        for make in makes:
            start = bank_sizes(make)[0]
            if self.want.get(make.key, (None, 0))[1] < start:
                self.want[make.key] = (make, start)
        self.size = max(self.size, procs)
        crew = self.crew
        if crew is not None and crew.dead:
            respawned = crew.respawn()
            if respawned is None:  # the implementation failed to start a worker: a new crew
                crew.kill()
                self.crew = crew = None
            else:
                self._await_ready(crew, respawned)
        if crew is not None and crew.size >= procs and crew.alive():
            short = crew.short(makes)
            if not short:
                self._prepare_standby(crew)
                return crew
            for key, need in short.items():
                if key in crew.index:  # ran dry: next time, twice as many
                    make, count = self.want[key]
                    self.want[key] = (make, min(BANK_MAX, max(count * 2, need)))
        if self.crew is not None:  # retire it: its workers leave (reaped by the host) meanwhile
            self.crew.release()
            self.crew = None
        standby, self.standby = self.standby, None
        if (standby is not None and standby.size >= procs and not standby.short(makes)
                and not self._await_ready(standby, fail=False)):
            self.crew = standby
        else:
            if standby is not None:
                standby.stop()
            need: Dict[Any, int] = {}
            for make in makes:
                need[make.key] = need.get(make.key, 0) + 1
            self.crew = self._new_crew(self.size, self._bank(), need)
            self._await_ready(self.crew)
        self._check_lacking(objects)
        return self.crew

    def _bank(self):
        return {key: entry for key, entry in self.want.items() if key not in self.lacking}

    def _new_crew(self, size, bank, need=None) -> Crew:
        crew = Crew(self.host, self.impl, self.method, size, bank, need)
        self.lacking.update(crew.errors)
        self.crews_started += 1
        return crew

    def _prepare_standby(self, crew: Crew):
        """Once a kind in the bank is half used, start the next crew (with twice as many of that
        kind) in the background, so that its start-up overlaps the examples still to run."""
        if self.standby is not None:
            return
        low = [key for key in crew.keys  # recycled objects count as unused
               if key not in crew.errors
               and 2 * (crew.used[key] - len(crew.free[key])) >= crew.counts[key]]
        if not low:
            return
        for key in crew.keys:  # size the next bank by what this one's examples used
            make, count = self.want[key]
            used = crew.used[key]
            if key in low:
                count = min(BANK_MAX, 2 * count)
            elif used == 0:
                count = max(bank_sizes(make)[1], count // 2)
            self.want[key] = (make, count)
        self.standby = self._new_crew(self.size, self._bank())

    def _await_ready(self, crew: Crew, workers: Optional[Sequence[int]] = None, fail=True):
        """Wait until every worker (or those given) called in, so that start-up never eats a
        deadline. A worker that died before calling in was maybe given an object the
        implementation cannot hand to a process: the host probes each kind, those that fail are
        marked lacking, and the crew is killed (:class:`HarnessError` if no kind is to blame).
        With ``fail=False``, returns whether the crew failed instead of raising."""
        if crew.ready and workers is None:
            return False
        missing = crew.await_ready(workers)
        if not missing:
            return False
        blamed = self.host.call("probe", crew.cid)
        for k, error in blamed.items():
            self.lacking[crew.keys[k]] = error
        crew.kill()
        if self.crew is crew:
            self.crew = None
        if blamed and not fail:
            return True
        if blamed:
            raise Retry()
        raise HarnessError("worker %d did not start within %.0f s (%s)"
                           % (missing[0], _crews.START_TIMEOUT, self.method))

    def close(self):
        """Stop every crew this env started, and reap every worker."""
        crews = [c for c in (self.crew, self.standby) if c is not None]
        self.crew = self.standby = None
        for crew in crews:
            crew.stop()
