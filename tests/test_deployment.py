"""The deployment files say what the README says: one install command, the same entry point."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_install_command() -> str:
    """The install half of the README's first command (`pip install -e . && python -m bot`)."""
    quick_start = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1]
    first = re.search(r"```sh\n(.+?)\n```", quick_start).group(1)
    return first.split("&&")[0].strip()


def test_the_dockerfile_installs_with_the_readme_command_and_checks_health_with_status():
    dockerfile = ROOT.joinpath("Dockerfile").read_text(encoding="utf-8")
    installs = [line.removeprefix("RUN ").strip() for line in dockerfile.splitlines() if "pip install" in line]
    assert installs == ["pip install --no-cache-dir -e ."]
    assert installs[0].replace(" --no-cache-dir", "") == readme_install_command() == "pip install -e ."
    assert 'CMD ["python", "-m", "bot", "status", "--check"]' in dockerfile
    assert dockerfile.rstrip().endswith('CMD ["python", "-m", "bot", "run"]') and "\nUSER drill\n" in dockerfile


def test_the_procfile_and_the_systemd_unit_run_the_bot():
    processes = dict(line.split(": ", 1) for line in ROOT.joinpath("Procfile").read_text().splitlines())
    assert processes == {"web": "python -m bot run", "worker": "python -m bot run"}
    unit = ROOT.joinpath("deploy", "daily-drill.service").read_text()
    assert "ExecStart=/opt/daily-drill/.venv/bin/python -m bot run" in unit and "KillSignal=SIGTERM" in unit
