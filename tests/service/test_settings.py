"""Settings precedence (file < env < flags) and one-line errors for bad settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ssmem import InputError
from ssmem.service.settings import load_settings


def test_file_then_env_then_flags(tmp_path):
    cfg = tmp_path / "ssmem.toml"
    cfg.write_text("port = 9000\nsnapshot_every = 5\n[limits]\nmax_batch_events = 7\n")
    env = {"SSMEM_PORT": "9001", "SSMEM_LIMIT_RATE_PER_S": "3.5", "HOME": "/x"}
    s = load_settings(cfg, env=env, overrides={"snapshot_every": 9, "host": None})
    assert (s.port, s.snapshot_every, s.host) == (9001, 9, "127.0.0.1")
    assert (s.lim.max_batch_events, s.lim.rate_per_s) == (7, 3.5)
    assert "sqlite:///" in s.database_url()


def test_secrets_are_hidden_in_public_dict():
    env = {"SSMEM_ADMIN_KEY": "topsecret", "SSMEM_DB_URL": "postgresql://u:pw@db/x"}
    d = load_settings(None, env=env).public_dict()
    assert "topsecret" not in str(d) and "pw" not in str(d)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"port": "eighty"}', "settings.port"),
        ('{"colour": 1}', "settings.colour"),
        ('{"limits": {"max_batch_events": "many"}}', "limits.max_batch_events"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, content, field):
    cfg = tmp_path / "c.json"
    cfg.write_text(content)
    with pytest.raises(InputError) as err:
        load_settings(cfg, env={})
    assert f"field '{field}'" in str(err.value)


def test_serve_with_bad_config_exits_2_with_one_line(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text("{not json")
    serve = [sys.executable, "-m", "ssmem.cli.serve_cmd"]  # = `ssmem serve`, minus torch import
    r = subprocess.run([*serve, "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("ssmem: error: ") and str(cfg) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
