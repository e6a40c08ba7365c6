"""The CLI end to end: JSON contexts on every real format, and clean failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ssmem.tokens import default_counter

REAL = [
    "locomo/locomo10.json",
    "loghub/BGL/BGL_2k.log_structured.csv",
    "loghub/HDFS/HDFS_2k.log",
    "swe_agent_trajectories/pydicom__pydicom-1458.gpt4.traj",
    "babi/en/qa2_two-supporting-facts_test.txt",
]


def _check_json(out: str, budget: int) -> dict:
    data = json.loads(out)
    assert set(data) >= {"system", "budget", "tokens", "segments"}
    assert data["tokens"] <= budget
    text = "\n".join(s["text"] for s in data["segments"])
    assert default_counter().count(text) == data["tokens"]
    for seg in data["segments"]:
        assert set(seg) == {"kind", "seqs", "text", "tokens"}
    return data


@pytest.mark.parametrize("rel", REAL)
def test_context_json_on_real_formats(shared_data: Path, rel: str, cli) -> None:
    code, out, err = cli(
        [
            "context",
            "--system",
            "window",
            "--budget",
            "256",
            "--query",
            "what failed?",
            str(shared_data / rel),
            "--json",
        ]
    )
    assert code == 0, err
    data = _check_json(out, 256)
    assert data["segments"][0]["seqs"]


def test_context_json_on_jsonl_with_adversarial_event(tmp_path: Path, cli) -> None:
    p = tmp_path / "s.jsonl"
    lines = [{"text": f"fact {i}"} for i in range(20)] + [{"text": "word " * 3000}]
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    for budget in (1, 8, 256):
        code, out, _ = cli(["context", "-b", str(budget), str(p), "--json"])
        assert code == 0
        _check_json(out, budget)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'{"text": "a"}\n{bad\n', "s.jsonl:2: invalid JSON"),
        (b'{"seq": 1}\n', "s.jsonl:1: field 'text': missing"),
        (b'{"text": "\xff"}\n', "s.jsonl:1: not valid UTF-8"),
        (b"", "s.jsonl: empty stream"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, cli, content: bytes, needle: str) -> None:
    p = tmp_path / "s.jsonl"
    p.write_bytes(content)
    code, out, err = cli(["context", str(p), "--json"])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err and err.startswith("ssmem: error: ")


def test_unknown_system_and_format_are_usage_errors(tmp_path: Path, cli) -> None:
    p = tmp_path / "s.jsonl"
    p.write_text('{"text": "a"}\n')
    code, out, err = cli(["context", "--system", "nope", str(p)])
    assert code == 2 and out == "" and "nope" in err
    code, out, err = cli(["context", "--format", "xml", str(p)])
    assert code == 2 and out == ""


def test_installed_entry_point_and_help() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "ssmem", "--help"], capture_output=True, text=True, check=True
    )
    assert "context" in res.stdout
    res = subprocess.run(
        [sys.executable, "-m", "ssmem", "context", "/no/such/file.jsonl"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert res.stderr.strip() == "ssmem: error: /no/such/file.jsonl: no such file"
    assert res.stdout == ""


def test_demo_compares_systems_offline(cli, tmp_path: Path) -> None:
    argv = [
        "demo",
        "--systems",
        "window,ssm",
        "--families",
        "meeting",
        "--tokens",
        "600",
        "--budget",
        "128",
        "--no-reader",
        "--out",
        str(tmp_path),
    ]
    code, out, _ = cli(argv)
    assert code == 0
    assert "| window |" in out and "| ssm |" in out
    assert (tmp_path / "results.json").is_file() and (tmp_path / "summary.md").is_file()
    # It says what the step costs before running it, and its table has a key (issue 17).
    assert out.index("Cost: ") < out.index("| window |") < out.index("Key (")
    assert "stale_exposure ↓" in out and "current_marked ↓" in out
    assert "summary" not in out.split("Key (")[0]  # the slow LLM baseline is opt-in


@pytest.mark.slow
def test_demo_runs_the_summary_baseline_on_the_meeting_stream_only(
    cli, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("SSMEM_SUMMARY_BACKEND", "smollm2-135m")
    argv = ["demo", "--systems", "window", "--families", "meeting,agent", "--tokens", "600"]
    code, out, _ = cli([*argv, "--summary", "--no-reader", "--out", str(tmp_path)])
    assert code == 0
    assert "summary adds about" in out
    rows = [line for line in out.splitlines() if line.startswith("| generated | summary")]
    assert rows == [rows[0]] and "summary*" in rows[0]
    assert "* ran on the meeting stream only" in out


def test_the_command_list_matches_each_commands_own_help() -> None:
    """`ssmem --help` lists commands without importing them: its help lines are kept in
    `COMMANDS`, and must say what each command itself says."""
    import click

    from ssmem.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    for name, (_, _, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(limit=500) == short, name


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["nope"],
        ["demo", "--help"],
        ["sample", "--path"],
        ["ask", "-q", "x", "-b", "0", "s.jsonl"],
        ["ask", "-q", " ", "s.jsonl"],
        ["chat", "-b", "0", "s.jsonl"],
        ["context", "-b", "0", "s.jsonl"],
        ["ask", "-q", "x", "/no/such.jsonl"],
        ["context", "/no/such.jsonl"],
        ["memory", "/no/such.jsonl"],
    ],
)
def test_help_and_argument_errors_load_no_model_or_server(argv: list[str]) -> None:
    """What keeps `ssmem --help` and a mistyped command under a second: no torch, model or
    server import (`memory` with a missing file imported torch before reading it)."""
    probe = (
        "import sys\n"
        "from ssmem.cli.main import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'torch', 'fastapi', 'llama_cpp', 'transformers'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_context_defaults_to_the_hybrid_system(tmp_path: Path, cli) -> None:
    """A user who does not pick a system gets the memory that keeps early facts, not the
    sliding window that forgets them (issue 17)."""
    p = tmp_path / "s.jsonl"
    lines = [{"text": "Mia is allergic to peanuts; never order satay."}]
    lines += [{"text": f"chatter line {i} about the weekend"} for i in range(300)]
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    code, out, _ = cli(["context", "-b", "128", "-q", "What is Mia allergic to?", str(p), "--json"])
    data = json.loads(out)
    assert code == 0 and data["system"] == "hybrid"
    assert any(0 in line["seqs"] for line in data["lines"])  # the early fact is still there


def test_memory_prints_the_packed_slots_and_its_json_shows_the_settings(
    tmp_path: Path, cli
) -> None:
    p = tmp_path / "s.jsonl"
    lines = [
        {"text": "Nobody may deploy on Fridays.", "source": "Ana"},
        {"text": "Budget for Atlas is $7,200.", "source": "Ana"},
        {"text": "Budget for Atlas is now $9,000.", "source": "Bo"},
    ]
    p.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    code, out, err = cli(["memory", "-b", "128", str(p)])
    assert code == 0, err
    head, *body = out.strip().split("\n")
    assert head.startswith("# memory · ") and "/128 tokens" in head
    assert "[#0] Ana: Nobody may deploy on Fridays." in body
    code, out, err = cli(["memory", "--json", "-q", "What is the Atlas budget?", str(p)])
    data = json.loads(out)
    assert code == 0 and data["settings"]["read"]["window_share"] == 0.25
    assert set(data["settings"]["write"]) >= {"keep_threshold", "rank_lex", "read_match"}
    # The consistency pass: two current values for one subject, older first.
    assert [(c["older"]["seq"], c["newer"]["seq"]) for c in data["conflicts"]] == [(1, 2)]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["ask", "--query", "  "], "--query"),
        (["ask", "--query", "what?", "--budget", "0"], "--budget"),
        (["chat", "--budget", "0"], "--budget"),
        (["context", "--budget", "0"], "--budget"),
        (["memory", "--budget", "-1"], "--budget"),
        (["ask", "--query", "what?", "MISSING"], "no such file"),
        (["chat", "MISSING"], "no such file"),
        (["context", "MISSING"], "no such file"),
    ],
)
def test_bad_arguments_fail_in_one_line_before_any_model_loads(
    cli, tmp_path: Path, monkeypatch, argv, named
) -> None:
    """ask and chat used to load the model first (and `--budget 0` ran it and printed junk,
    exit 0); context and memory loaded the encoder and printed an empty context."""
    import ssmem.cli.ask_cmd as ask_cmd
    import ssmem.cli.chat_cmd as chat_cmd
    import ssmem.cli.context_cmd as context_cmd
    import ssmem.systems.ssm as ssm_system

    def no_model(*_a, **_k):
        raise AssertionError("a model was loaded for input that was already known bad")

    monkeypatch.setattr(ask_cmd, "make_backend", no_model)
    monkeypatch.setattr(chat_cmd, "make_backend", no_model)
    monkeypatch.setattr(context_cmd, "make_system", no_model)
    monkeypatch.setattr(ssm_system, "SSMMemory", no_model)
    p = tmp_path / "s.jsonl"
    p.write_text('{"text": "The door code is 4719."}\n')
    if argv[-1] == "MISSING":
        argv = [*argv[:-1], str(tmp_path / "missing.jsonl")]
    else:
        argv = [*argv, str(p)]
    code, out, err = cli(argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("ssmem: error: ") and named in err


def test_the_spinner_draws_on_a_terminal_only_and_erases_itself() -> None:
    import io
    import time

    from ssmem.cli.spinner import Spinner

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Terminal()
    with Spinner("the reader is answering", tty, interval=0.01):
        time.sleep(0.1)
    drawn = tty.getvalue()
    assert "the reader is answering" in drawn and " s" in drawn
    assert drawn.endswith("\r") and drawn.rstrip("\r").split("\r")[-1].strip() == ""
    piped = io.StringIO()
    with Spinner("the reader is answering", piped, interval=0.01):
        time.sleep(0.05)
    assert piped.getvalue() == ""


def test_sample_prints_the_shipped_stream_and_its_path(cli, tmp_path: Path) -> None:
    """The README's quickstart starts from `ssmem sample > meeting.jsonl` (issue 17: no
    meeting.jsonl shipped, so the Python quickstart failed as written)."""
    from ssmem.adapters import load_events

    code, out, _ = cli(["sample"])
    assert code == 0
    (tmp_path / "meeting.jsonl").write_text(out)
    events = load_events(tmp_path / "meeting.jsonl")
    assert 30 <= len(events) <= 60 and all(e.source for e in events)
    code, path, _ = cli(["sample", "meeting", "--path"])
    assert code == 0 and Path(path.strip()).read_text() == out
    code, _, err = cli(["sample", "nope"])
    assert code == 2 and "nope" in err
