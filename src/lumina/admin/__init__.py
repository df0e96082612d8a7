"""The operators' API: families, users, shops and links, for administrators only."""
