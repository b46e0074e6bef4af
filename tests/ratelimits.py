"""Rate limits count requests in fixed windows aligned on the epoch (60 s, 300 s, 3600 s …):
a test that sends a burst sets the clock to this moment, the start of every such window, so
the burst never straddles two windows however slowly the machine runs."""

WINDOW_START = "2026-11-12T10:00:00+08:00"  # 02:00 UTC, a whole hour
