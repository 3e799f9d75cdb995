"""Channels' WebsocketCommunicator, importable without daphne.

`channels.testing` also imports its live-server test case, which needs daphne, a server
this project does not run (django/channels#1942). Without daphne, that one import gets a
stand-in that fails only if the live-server test case is used.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any, NoReturn

if importlib.util.find_spec("daphne") is None and "daphne.testing" not in sys.modules:

    def _daphne_missing(*args: Any, **kwargs: Any) -> NoReturn:
        raise ModuleNotFoundError("channels' live-server test case needs daphne")

    _stand_in = types.ModuleType("daphne.testing")
    _stand_in.DaphneProcess = _daphne_missing  # type: ignore[attr-defined]
    sys.modules["daphne.testing"] = _stand_in

from channels.testing import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
