"""Work across every flow: the registry of flows, the queue of what waits for whom, due times, reminders."""
