"""glibc's malloc thresholds (``funcgrad/backend/heap.py``): a loop that allocates and frees
the same large arrays each round must not fault its pages in again every round. Measured in a
new process (the thresholds are set once, at import): minor page faults per round."""
import os
import subprocess
import sys

from funcgrad.backend import heap

ROUNDS = """
import resource
import numpy as np
import funcgrad
from funcgrad.backend import heap

def step():  # a step's 8 MiB of arrays of 512 KiB, freed at its end
    arrays = [np.ones(65536) for _ in range(16)]
    return sum(a[0] for a in arrays)

step()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(heap.configure(), (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 20)
"""


def run(script, **env):
    # without glibc's variables from this process (Dask's nanny sets MALLOC_TRIM_THRESHOLD_
    # in it for its workers, and funcgrad leaves a user's setting alone)
    base = {k: v for k, v in os.environ.items() if k not in heap.USERS_OWN}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**base, **env}, check=True).stdout.split()


def faults_per_round(**env):
    tuned, faults = run(ROUNDS, **env)
    return tuned == "True", float(faults)


def tuned_at_import(**env):
    return run("import funcgrad\nfrom funcgrad.backend import heap\nprint(heap.configure())",
               **env) == ["True"]


def glibc():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):
        return False


def test_large_arrays_freed_each_round_are_not_faulted_in_again():
    if not glibc():  # another C library's malloc: funcgrad leaves it alone
        assert not tuned_at_import()
        return
    tuned, faults = faults_per_round()
    assert tuned and faults < 16, faults
    # the reference: glibc's own thresholds return the 8 MiB to the kernel at each round
    untuned, faults = faults_per_round(FUNCGRAD_TUNE_MALLOC="0")
    assert not untuned and faults > 1000, faults


def test_the_users_own_malloc_settings_are_kept():
    assert not tuned_at_import(MALLOC_TRIM_THRESHOLD_="131072")
