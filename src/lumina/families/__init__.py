"""Families: the households whose orders Lumina shows, each linked to the shops it sees."""
