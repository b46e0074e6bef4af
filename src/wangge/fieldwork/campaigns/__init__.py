"""Campaigns (专项排查): definitions, their targets, answers, coverage and export."""
