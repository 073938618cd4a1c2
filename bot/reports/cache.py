"""A per-process cache for pictures and files: kept until the data they show changes.

The key is the renderer plus its arguments, frozen: the inputs are frozen dataclasses in tuples,
so equal data finds the same entry and changed data (a seat filled, an answer given) misses it.
Nothing needs invalidating; old entries fall out least recently used first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_SIZE = 16  # a few kinds of picture, a few variants each; a big one is about 200 kB


def freeze(value: object) -> Hashable:
    """A hashable, equality-preserving stand-in for a renderer's argument."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return frozenset(freeze(v) for v in value)
    if not isinstance(value, Hashable):
        raise TypeError(f"cannot key a cache on {type(value).__name__}")
    return value


class RenderCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, render: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``render(*args, **kwargs)``, or what it returned before for equal arguments."""
        key = (render.__module__, render.__qualname__, freeze(args), freeze(kwargs))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return cast(T, self._entries[key])
            self.misses += 1
        # Rendered outside the lock: a slow picture must not hold up a cached one. Two threads
        # asking for the same new picture at once may both draw it; the result is the same.
        result = render(*args, **kwargs)
        with self._lock:
            self._entries[key] = result
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# The process's one cache; phase 2 calls e.g.
# ``REPORT_CACHE.get_or_render(render_map, states, as_of=today)``.
REPORT_CACHE = RenderCache()
