"""Staff onboarding and grants: roster import, posts, department handlers, deactivation.

A plain package (no models) placed after fieldwork in the dependency order: deactivating a
person lists their open events, work orders and visit tasks.
"""
