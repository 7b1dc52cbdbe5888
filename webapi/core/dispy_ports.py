"""dispy's default ports, written once (standard library only: the node's base install imports it).

dispy's client listens on 9700, its nodes on the next port (`dispynode.py -p`), and the client finds a
shared scheduler two above its own port.
"""

from __future__ import annotations

DEFAULT_CLIENT_PORT = 9700
DEFAULT_NODE_PORT = DEFAULT_CLIENT_PORT + 1
DEFAULT_SCHEDULER_PORT = DEFAULT_CLIENT_PORT + 2
