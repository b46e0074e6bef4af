"""Must-attend (五必到): rules, the tasks events give rise to, and attendance records."""
