"""Purchase orders: unified purchasing and delivery."""
