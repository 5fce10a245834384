"""Database plumbing: the embedded PostgreSQL cluster, engines and migrations."""
