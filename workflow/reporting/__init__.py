"""Finance's reports: supply and vehicle figures, nightly snapshots, reduction targets."""
