"""Delegation of approvals while out of office."""
