"""The shared kernel: database, unit of work, errors, actors, machines, audit, outbox, clock, settings."""
