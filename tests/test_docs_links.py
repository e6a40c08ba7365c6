"""Links in the README and the docs pages resolve: every relative link names a file that
exists, and every `#anchor` names a heading of its page (GitHub's heading ids), so moving
a section cannot leave a dead link behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's id for a heading: lowercase, punctuation but '-' and '_' dropped, spaces to
    '-' (`Serving (`x`, y)` -> `serving-x-y`)."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # no headings in code
    return {slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return [m for m in LINK.findall(text) if not re.match(r"[a-z]+:", m)]


def test_slug_matches_github() -> None:
    assert slug("Serving (`ssmem bench-serve`, loopback, nothing else running)") == (
        "serving-ssmem-bench-serve-loopback-nothing-else-running"
    )
    assert slug("Injection and poisoning (`ssmem bench --families injection`)") == (
        "injection-and-poisoning-ssmem-bench---families-injection"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    dead = []
    for link in links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        anchored = not anchor or target.suffix != ".md" or anchor in anchors(target)
        if not (target.exists() and anchored):
            dead.append(link)
    assert not dead, f"dead links in {page.relative_to(ROOT)}: {dead}"


def test_the_readme_links_every_docs_page() -> None:
    readme = set(links(ROOT / "README.md"))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= {link.partition("#")[0] for link in readme}, pages - readme
