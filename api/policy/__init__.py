"""Live policy evaluation and the policy document."""
