"""Widgets shared by the admin's pages."""
