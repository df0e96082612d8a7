"""Shop connections: credentials encrypted at rest, the connection check, the default shop from WC_* variables."""
