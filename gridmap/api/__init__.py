"""The HTTP API: thin FastAPI routers that parse, call layers/ops, and serialise."""
