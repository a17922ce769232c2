"""The pipeline, phase by phase: import seeds, then (for build) render content into public/."""

from __future__ import annotations

from pathlib import Path

from .config import load_config
from .importer import import_seeds
from .problems import Problems


def run(command: str, site: Path, args, problems: Problems) -> list[str]:
    config = load_config(site)
    report = import_seeds(site, config, problems, date=args.date, force=args.force, progress=args.quiet == 0)
    return [report.summary()]
