"""Trip requests: filing, review, dispatch, the trip, and closing it."""
