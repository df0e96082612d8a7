"""The web layer's shared pieces: dependencies and the routes that belong to no domain."""
