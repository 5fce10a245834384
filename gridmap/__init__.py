"""gridmap: one merged grid system (多网合一) for city grid management (网格化服务管理)."""

__version__ = "0.1.0"
