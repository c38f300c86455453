"""People, departments and budgets."""
