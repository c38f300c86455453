"""API tokens: issue with a password, list, revoke."""
