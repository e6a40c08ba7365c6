"""`ssmem ask` and `ssmem chat` end to end with a real local model (the smallest one)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ssmem.demo import demo_stream
from ssmem.llm.models import SMALLEST_MODEL

KEYS = {"answer", "citations", "prompt_tokens", "completion_tokens", "latency_s", "retrieval_fired"}


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory):
    events, _ = demo_stream(0)
    path = tmp_path_factory.mktemp("ask") / "demo.jsonl"
    path.write_text("\n".join(json.dumps(e.to_dict()) for e in events) + "\n")
    return path


def test_ask_json(stream_file, cli):
    argv = ["ask", "--budget", "200", "--query", "What is the budget for Cobalt?",
            "--backend", SMALLEST_MODEL, "--json", str(stream_file)]  # fmt: skip
    code, out, err = cli(argv)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= KEYS
    assert 0 < data["prompt_tokens"] <= 200 and data["completion_tokens"] > 0
    shown = {q for line in data["context"]["lines"] for q in line["seqs"]}
    assert set(data["citations"]) <= shown


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--backend", "gpt9"], "unknown backend 'gpt9'"),
        (["--backend", "local", "--model", "x"], "--backend openai only"),
        (["--budget", "10"], "budget 10 is too small"),
    ],
)
def test_ask_errors_are_one_line_exit_2(stream_file, cli, argv, message):
    code, out, err = cli(["ask", "-q", "Who owns Atlas?", *argv, str(stream_file)])
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


@pytest.mark.slow
def test_chat_answers_each_piped_line(stream_file):
    cmd = [sys.executable, "-c", "from ssmem.cli.main import main; main()", "chat", "--json",
           "--backend", SMALLEST_MODEL, "--budget", "200", str(stream_file)]  # fmt: skip
    questions = "Who owns Atlas?\n\nWhat is the budget for Beacon?\nquit\nNever asked?\n"
    done = subprocess.run(cmd, input=questions, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 2  # the blank line is skipped, `quit` ends the session
    assert all(set(a) >= KEYS for a in answers)
