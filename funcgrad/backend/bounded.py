"""``Bounded``: a dict that keeps at most ``FUNCGRAD_MEMORY_CACHE_ENTRIES`` entries.

The in-memory caches of compiled code (``cache.memory``, each jitted function's plans) must not
grow without end in a long process that makes many functions or sees many argument sizes. A
lookup stays a plain ``dict.get`` (the dispatch cost of small steps), so the order kept is
that of insertion: the entry added longest ago goes first. What goes is found again cheaply
(a plan is rebuilt from the function; compiled code is reloaded from the disk cache).
"""
from . import config


class Bounded(dict):
    """A dict of at most ``config.memory_cache_entries()`` entries (read at each insertion of
    a new key); ``on_evict(key, value)`` is told of each entry dropped, ``clear`` included.

    >>> import os
    >>> os.environ["FUNCGRAD_MEMORY_CACHE_ENTRIES"] = "2"
    >>> d = Bounded(on_evict=lambda k, v: print("dropped", k))
    >>> d["a"], d["b"], d["a"] = 1, 2, 3
    >>> d["c"] = 4
    dropped a
    >>> sorted(d.items())
    [('b', 2), ('c', 4)]
    >>> del os.environ["FUNCGRAD_MEMORY_CACHE_ENTRIES"]
    """

    def __init__(self, on_evict=None):
        super().__init__()
        self.on_evict = on_evict

    def __setitem__(self, key, value):
        if key not in self:
            limit = config.memory_cache_entries()
            while len(self) >= limit:
                old = next(iter(self))
                dropped = self.pop(old)
                if self.on_evict is not None:
                    self.on_evict(old, dropped)
        super().__setitem__(key, value)

    def clear(self):
        entries = list(self.items())
        super().clear()
        if self.on_evict is not None:
            for key, value in entries:
                self.on_evict(key, value)
