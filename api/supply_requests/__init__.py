"""Supply requests: drafts, revisions, actions, history."""
