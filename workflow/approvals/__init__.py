"""The approval kernel: each flow is declared once (`Flow`), and one `act` does what every flow shares."""
