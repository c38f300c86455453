"""Jieyue's domain: entities, state machines, services, queues (no web, no tasks)."""
