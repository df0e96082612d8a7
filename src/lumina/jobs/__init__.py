"""Background jobs: the embedded scheduler (sync cycles, daily retention) and its start-up and shut-down."""
