"""`pip install .` (not only -e) must carry the templates, the data and the CLI."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("kratom_status-*.whl"))


def test_the_wheel_carries_code_data_and_site(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "cli.py",
        "status/__init__.py",
        "spiders/__init__.py",
        "status/_data/m49.csv",
        "status/_data/local_jurisdictions.csv",
        "status/_data/records/US-AL.yaml",
        "status/_site/README.md",
    ):
        assert required in names, required
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kratom = cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_copy_runs_the_main_job_from_its_own_data(wheel, tmp_path):
    target = tmp_path / "site-packages"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import sys, status, status.resources as r; from cli import cli\n"
        "assert status.__file__.startswith(sys.argv[1]), status.__file__\n"
        "print(r.data_dir())\n"
        "cli(['--db', sys.argv[2], 'update', '--no-crawl'], standalone_mode=False)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(target), str(tmp_path / "k.db")],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == str(target / "status" / "_data")
    assert "curated records:" in run.stdout
