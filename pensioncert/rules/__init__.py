"""The domain rules, in plain Python: no AWS, no HTTP; every door uses them."""
