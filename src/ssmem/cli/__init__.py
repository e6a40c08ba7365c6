"""Command-line interface (`ssmem`)."""
