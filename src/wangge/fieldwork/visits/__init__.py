"""Visits (三必访/四必清): rules, the tasks generated from them, records, figures and alerts."""
