"""dispycluster-exporter: a node exporter with node_exporter's metric names, one module per collector."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dispycluster")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "unknown"
