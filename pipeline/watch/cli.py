"""The small runner behind ``python -m pipeline.watch`` (tests, benchmarks): options over config.yaml's
``surveillance`` section, then :func:`~pipeline.watch.service.run_service`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..config import load_config
from ..outcomes import EntretiensError
from .service import run_service
from .settings import watch_settings


# -- a small runner until `entretiens watch` is wired ------------------------------------------------


def _positive(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"« {text} » : un nombre positif est attendu")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.watch",
        description="Surveille le dossier d'entrée et traite chaque fichier déposé, une fois complet.",
        epilog="Exemple : python -m pipeline.watch --config /srv/entretiens/config.yaml --polling")
    parser.add_argument("--config", type=Path, default=None, metavar="CHEMIN", help="fichier de configuration")
    parser.add_argument("--polling", action="store_true", default=None,
                        help="mode polling (partage réseau) au lieu d'inotify")
    parser.add_argument("--interval", type=_positive, default=None, metavar="S",
                        help="intervalle du mode polling, en secondes")
    parser.add_argument("--stability", type=_positive, default=None, metavar="S",
                        help="délai de stabilité d'un fichier avant traitement, en secondes")
    parser.add_argument("--rescan", type=_positive, default=None, metavar="S",
                        help="intervalle des balayages complets du dossier d'entrée, en secondes")
    parser.add_argument("--quiet", type=_positive, default=None, metavar="S",
                        help="calme avant la reconstruction des classeurs, en secondes")
    parser.add_argument("--retries", type=int, default=None, metavar="N",
                        help="essais avant de signaler un fichier bloqué")
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        config = load_config(args.config)
        settings = watch_settings(config).updated(
            polling=args.polling, poll_interval=args.interval, stability_window=args.stability,
            rescan_interval=args.rescan, quiet_before_outputs=args.quiet, max_retries=args.retries)
    except EntretiensError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    return run_service(config, settings=settings)
