"""Green procurement: catalog, supply requests and their rules, budgets, purchase orders, goods received."""
