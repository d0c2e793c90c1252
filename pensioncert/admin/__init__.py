"""The agency admin's service layer: one module per area, each function taking the acting staff
principal and enforcing role and region itself, whatever the UI shows or hides."""
