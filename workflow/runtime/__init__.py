"""Running services in a process: engine and policy on demand, logs, metrics, the vitals operators watch."""
