"""The shared kernel: database, unit of work and the stores' base, errors, actors, machines, audit, outbox, clock, calendar, settings."""
