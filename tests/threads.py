"""``run_threads``: call a function from several threads at once (the tests of concurrency)."""
import threading


def run_threads(work, n):
    """Call ``work(k)`` for k in range(n), each in a thread of its own, started together;
    returns the exceptions raised (a test asserts there are none)."""
    errors, go = [], threading.Barrier(n)

    def run(k):
        try:
            go.wait()
            work(k)
        except Exception as err:  # the caller's assertion names it
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
