"""Terminal summaries, tables and exports."""
