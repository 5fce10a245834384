"""Layers: one module per table family, owning its tables and the queries that read and write
them. A layer imports ``gridmap.core`` and ``gridmap.db`` only.

Contributor rule: a table that holds rows bound to a jurisdiction gets its row-level security
policies in the same migration that creates it, and its model (``Table``) here, beside its
queries; ``gridmap.layers.schema`` must import the module so that Alembic sees the table.
"""
