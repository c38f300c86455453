"""The in-app inbox, notification preferences, failed deliveries."""
