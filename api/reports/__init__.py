"""Finance's reports, targets, snapshots and their CSV/XLSX exports."""
