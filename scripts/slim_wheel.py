"""Rewrite the model-deployment-operator wheel without the SageMaker emulator.

The project ships one wheel holding two packages: the operator (model_deployment_operator)
and the local SageMaker stand-in used in development and tests (sagemaker_emulator, with
the `sagemaker-emulator` console script and the `emulator` extra). The container image
must not carry the emulator, so the image build installs a copy of the wheel with:

- every file under sagemaker_emulator/ removed,
- the `sagemaker-emulator` entry point removed from entry_points.txt,
- the `emulator` extra removed from METADATA,
- RECORD rewritten (hash and size of every remaining file), so the installed distribution
  is consistent: `pip check`, `pip show -f` and `pip uninstall` see exactly what is there.

Usage: python scripts/slim_wheel.py WHEEL OUTPUT_DIR   (prints the path of the new wheel)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import sys
import zipfile
from pathlib import Path

EMULATOR_PACKAGE = "sagemaker_emulator/"
EMULATOR_SCRIPT = "sagemaker-emulator"
EMULATOR_EXTRA = "emulator"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _strip_entry_points(text: str) -> str:
    kept = [
        line
        for line in text.splitlines()
        if not re.match(rf"^\s*{re.escape(EMULATOR_SCRIPT)}\s*=", line)
    ]
    return "\n".join(kept) + "\n"


def _strip_metadata(text: str) -> str:
    """Drop the emulator extra. Only header lines are touched; the description body that
    follows the first blank line is copied unchanged."""
    head, separator, body = text.partition("\n\n")
    kept = []
    for line in head.splitlines():
        if line == f"Provides-Extra: {EMULATOR_EXTRA}":
            continue
        if line.startswith("Requires-Dist:") and re.search(
            rf"extra\s*==\s*['\"]{EMULATOR_EXTRA}['\"]", line
        ):
            continue
        kept.append(line)
    return "\n".join(kept) + separator + body


def slim(wheel: Path, output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / wheel.name
    if target.resolve() == wheel.resolve():
        msg = "the output directory must differ from the wheel's own directory"
        raise SystemExit(msg)
    with zipfile.ZipFile(wheel) as source:
        names = source.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        record_name = f"{dist_info}/RECORD"
        files: dict[str, bytes] = {}
        for name in names:
            if name == record_name or name.startswith(EMULATOR_PACKAGE) or name.endswith("/"):
                continue
            data = source.read(name)
            if name == f"{dist_info}/entry_points.txt":
                data = _strip_entry_points(data.decode()).encode()
            elif name == f"{dist_info}/METADATA":
                data = _strip_metadata(data.decode()).encode()
            files[name] = data
    if not any(n.startswith("model_deployment_operator/") for n in files):
        msg = f"{wheel} does not contain model_deployment_operator"
        raise SystemExit(msg)
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in files.items():
        writer.writerow([name, _record_hash(data), str(len(data))])
    writer.writerow([record_name, "", ""])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
        out.writestr(record_name, record.getvalue())
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(slim(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
