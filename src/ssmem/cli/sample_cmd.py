"""`ssmem sample`: print a hand-written sample stream shipped in the package (the README's
quickstart runs on it), so a new user has a stream to try before writing their own.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

# name -> what the stream is; the file is data/samples/<name>.jsonl inside the package.
SAMPLES: dict[str, str] = {
    "meeting": "a product team's launch channel, 42 turns: rules, a budget and a date that "
    "change, an owner handed over, open questions closed later, codes and numbers, chatter",
}


def sample_path(name: str) -> Path:
    """The installed file of sample `name` (a key of `SAMPLES`)."""
    return Path(str(resources.files("ssmem") / "data" / "samples" / f"{name}.jsonl"))


@click.command("sample")
@click.argument("name", type=click.Choice(sorted(SAMPLES)), default="meeting")
@click.option("--path", "show_path", is_flag=True, help="Print the file's path, not its content.")
@click.option("--list", "list_all", is_flag=True, help="List the samples with what each holds.")
def sample_cmd(name: str, show_path: bool, list_all: bool) -> None:
    """Print a sample stream shipped with ssmem (JSONL): `ssmem sample > meeting.jsonl`."""
    if list_all:
        for key, what in sorted(SAMPLES.items()):
            click.echo(f"{key}: {what}")
        return
    path = sample_path(name)
    click.echo(str(path) if show_path else path.read_text(encoding="utf-8"), nl=show_path)
