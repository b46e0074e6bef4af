"""The development app (as Zulip's `zilencer`): the demo district and the benchmark floor.

It sits on top of every domain app and nothing in the domain imports it (tests/dev checks).
"""
