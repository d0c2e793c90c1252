"""Shared domain of the pension qualification certification backend.

Every door (the Chalice API, the Dash admin, the import tool) uses this package: settings,
named errors, normalisation, the rules, and the data access over DynamoDB.
"""
