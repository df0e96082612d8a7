"""The seed's orders API: the family's cached orders, their statistics, status write-back and syncs on request."""
