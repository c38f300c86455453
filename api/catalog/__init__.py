"""The office-supply catalog."""
