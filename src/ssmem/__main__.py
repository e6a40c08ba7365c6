"""`python -m ssmem` runs the CLI."""

from ssmem.cli.main import main

main()
