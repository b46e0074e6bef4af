"""Patrols and inspections (巡查): tracks, inspections of hazard points and facilities, findings."""
