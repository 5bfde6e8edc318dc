"""What a warm Lambda instance keeps for its whole life, kept out of the garbage collector's way.

A cold path loads modules once (the first search tantivy, the first read botocore's service
models and pynamodb's models) and they live as long as the instance. Every full collection
traversed all of them again: 55-100 ms pauses, each stalling every request in flight on the
instance, measured with 16 clients on the local API (docs/benchmarks.md, seventh run).
"""

from __future__ import annotations

import gc
import sys
from typing import Any


def freeze_after_cold_paths(event: Any, get_response: Any) -> Any:
    """Middleware: after a request that imported modules, move every object the collector tracks
    to its permanent generation (`gc.freeze`), where collections no longer look. Objects there
    are still freed when their last reference goes; only a reference cycle that is garbage at
    that moment stays, once per cold path."""
    modules = len(sys.modules)
    response = get_response(event)
    if len(sys.modules) != modules:
        gc.freeze()
    return response
