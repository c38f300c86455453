"""The office's people: departments, users, passwords, tokens and sessions, and who stands in for whom."""
