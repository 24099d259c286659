"""Projects: challenges, a team's project through Engage, Investigate and Act."""
