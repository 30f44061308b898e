"""Executors: where the runs of a sweep execute, behind one small interface.

An executor is a ``concurrent.futures``-style pool: :meth:`SweepExecutor.submit` returns
a future, :meth:`SweepExecutor.wait_first` returns the futures that have finished, and
:meth:`SweepExecutor.recover` says which in-flight futures an infrastructure failure took
with it. Adding an executor is one small class.

- :class:`SerialExecutor`: in this process, one run after another (``--workers 1``).
- :class:`LocalProcessExecutor`: a local process pool (``--workers N``).
- :class:`DaskExecutor`: a ``dask.distributed`` cluster, given its scheduler address
  (``--scheduler tcp://host:8786``) or a cluster object such as one from
  :func:`jobqueue_cluster` (``--cluster slurm``).

Each executor names its *infrastructure errors* (a broken pool, a lost worker, a
timeout): a run that fails that way is retried a bounded number of times. A model that
raises is not an infrastructure error: :func:`~sim.sweep.runner.execute_run` returns it
as a failed run.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from concurrent.futures.process import BrokenProcessPool

__all__ = ["SweepExecutor", "SerialExecutor", "LocalProcessExecutor", "DaskExecutor", "jobqueue_cluster"]


class SweepExecutor:
    """The interface every executor implements.

    Attributes:
        infrastructure_errors: exception types of ``future.result()`` that mean the run
            was lost (not that the model failed); such runs are resubmitted.
        max_in_flight: most runs submitted and not yet finished (None: no limit).
        description: a few words for the progress line, e.g. ``"2 local processes"``.
    """

    infrastructure_errors: tuple[type[BaseException], ...] = ()
    max_in_flight: int | None = None
    description = "executor"

    def submit(self, fn, arg):
        """Start ``fn(arg)``; return a future with ``result()`` and ``done()``."""
        raise NotImplementedError

    def wait_first(self, futures) -> list:
        """Block until at least one of ``futures`` is done; return the done ones."""
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return list(done)

    def recover(self, in_flight) -> list:
        """After an infrastructure error: repair the executor; return the in-flight futures it lost."""
        return []

    def shutdown(self) -> None:
        """Release workers and connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


class SerialExecutor(SweepExecutor):
    """Runs each task at submission, in this process: no pool, no pickling."""

    max_in_flight = 1
    description = "1 process (serial)"

    def submit(self, fn, arg):
        future = cf.Future()
        future.set_result(fn(arg))  # fn never raises for a failing model (execute_run records it)
        return future


class LocalProcessExecutor(SweepExecutor):
    """A pool of ``workers`` local processes (``spawn``: fresh interpreters, no inherited threads).

    A worker process that dies (killed, out of memory) breaks the whole pool: every run in
    flight is lost, the pool is rebuilt and those runs are resubmitted.
    """

    infrastructure_errors = (BrokenProcessPool,)

    def __init__(self, workers: int):
        self.workers = int(workers)
        # A short queue per worker keeps the pool busy while losing little when it breaks.
        self.max_in_flight = 2 * self.workers
        self.description = f"{self.workers} local processes"
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn, arg):
        return self._pool.submit(fn, arg)

    def recover(self, in_flight) -> list:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        return list(in_flight)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(SweepExecutor):
    """A ``dask.distributed`` cluster: runs go to its scheduler with ``client.submit``.

    Args:
        address: the scheduler's address, e.g. ``"tcp://10.0.0.5:8786"``.
        cluster: instead of an address, a cluster object (``LocalCluster``, a dask-jobqueue
            cluster); it is closed on shutdown.

    The scheduler itself reschedules the tasks of a lost worker (up to its
    ``allowed-failures``); a task that still fails that way raises ``KilledWorker`` here
    and is resubmitted by the sweep, as are cancelled futures and timeouts.
    """

    def __init__(self, address: str | None = None, cluster=None):
        import distributed

        if (address is None) == (cluster is None):
            raise TypeError("DaskExecutor needs exactly one of address or cluster")
        self._distributed = distributed
        self._cluster = cluster
        self.client = distributed.Client(address if cluster is None else cluster)
        self._completed = distributed.as_completed()
        self.infrastructure_errors = (distributed.KilledWorker, cf.CancelledError, TimeoutError, OSError)
        where = address if cluster is None else type(cluster).__name__
        self.description = f"Dask cluster at {where}"

    def submit(self, fn, arg):
        # pure=False: a resubmitted run gets a new key instead of the lost one's.
        future = self.client.submit(fn, arg, pure=False)
        self._completed.add(future)
        return future

    def wait_first(self, futures) -> list:
        # One as_completed object for all submissions: no per-call scan of every future.
        return self._completed.next_batch(block=True)

    def shutdown(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def jobqueue_cluster(kind: str, jobs: int, cores: int, memory: str, walltime: str,
                     queue: str | None = None, account: str | None = None, processes: int | None = None,
                     job_extra_directives: tuple[str, ...] = (), interface: str | None = None,
                     scheduler_options: dict | None = None):
    """A dask-jobqueue cluster on SLURM or PBS, scaled to ``jobs`` batch jobs.

    Each job is one batch-system job running ``processes`` Dask workers (default: one per
    core, one thread each, since a run is single-threaded Python).

    Args:
        kind: ``"slurm"`` or ``"pbs"``.
        jobs: number of batch jobs to request.
        cores: cores per job.
        memory: memory per job, e.g. ``"16GB"``.
        walltime: wall-clock limit per job, ``"HH:MM:SS"``.
        queue: partition (SLURM) or queue (PBS).
        account: account or project to charge.
        processes: worker processes per job (default ``cores``).
        job_extra_directives: extra ``#SBATCH``/``#PBS`` lines, e.g. ``("--qos=normal",)``.
        interface: network interface the workers and scheduler use, e.g. ``"ib0"``.
        scheduler_options: passed to the Dask scheduler, e.g. ``{"dashboard_address": ":8787"}``.
    """
    import dask_jobqueue

    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[kind]
    cluster = cls(cores=cores, processes=processes or cores, memory=memory, walltime=walltime,
                  queue=queue, account=account, job_extra_directives=list(job_extra_directives),
                  interface=interface, scheduler_options=scheduler_options)
    if jobs:
        cluster.scale(jobs=jobs)
    return cluster
