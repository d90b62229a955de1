"""Benchmark of the watcher service (pipeline/watch/), run for real: ``python -m pipeline surveiller``
(``entretiens surveiller``) in a subprocess on a temporary workspace, with reports made by the project's own
template; the settings below go in the workspace's config.yaml (section «\u202fsurveillance\u202f»).

- Latency: one file at a time is renamed into the inbox (it arrives complete, at once); timed from
  the rename to its outcome (the file appears in the outbox). Target: stability window + 1 s.
- Burst: ``--files`` files (default 1,000; accepted versions, duplicates, rejected reports, renamed
  PDFs: tests/watchkit.make_batch) renamed into the inbox at once; timed until the last outcome.
  Throughput is given over the whole burst and after the stability window.
- Check: every file ends in exactly one place (counted by sha256), the journal is all done.

    python benchmarks/bench_watch.py [--files 1000] [--stability 2] [--drops 10] [--polling --interval 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import watchkit as wk  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="taille de la rafale")
    parser.add_argument("--stability", type=float, default=2.0, help="fenêtre de stabilité, en secondes")
    parser.add_argument("--drops", type=int, default=10, help="dépôts isolés pour la latence")
    parser.add_argument("--polling", action="store_true", help="mode polling")
    parser.add_argument("--interval", type=float, default=1.0, help="intervalle du mode polling")
    parser.add_argument("--agents", type=int, default=20, help="agents distincts dans les fichiers")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        sources = wk.make_sources(root / "sources", args.agents)
        ws = wk.make_workspace(root / "espace", sources)
        burst = wk.make_batch(sources, root / "rafale", args.files)
        (root / "seuls").mkdir()
        singles = [wk.variant(sources.filled[i % len(sources.filled)], root / "seuls" / f"seul {i:02d}.docx",
                              f"seul-{i}") for i in range(args.drops)]
        expected = Counter(map(wk.sha256, burst + singles))
        print(f"préparation : {args.agents} comptes rendus générés et remplis, {len(burst)} + {len(singles)} "
              f"fichiers en {time.perf_counter() - t0:.1f} s")

        surveillance = {"stabilite_s": args.stability, "calme_avant_classeurs_s": 5}
        if args.polling:
            surveillance.update(mode="polling", intervalle_polling_s=args.interval)
        service = wk.Service(ws, surveillance=surveillance).start()
        try:
            t0 = time.perf_counter()
            service.wait_ready(60)
            print(f"mode {'polling (intervalle ' + str(args.interval) + ' s)' if args.polling else 'inotify'}, "
                  f"fenêtre de stabilité {args.stability:g} s ; service prêt en {time.perf_counter() - t0:.2f} s")

            latencies = []
            for path in singles:
                before = wk.placed_count(ws)
                start = time.perf_counter()
                wk.drop_all([path], ws.inbox)
                wk.wait_for(lambda before=before: wk.placed_count(ws) > before, 60, interval=0.005, what="outcome")
                latencies.append(time.perf_counter() - start)
                time.sleep(0.3)
            target = args.stability + 1.0
            print(f"latence dépôt -> résultat ({len(latencies)} dépôts) : min {min(latencies):.2f} s, "
                  f"médiane {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
                  f"(cible <= {target:g} s : {'atteinte' if max(latencies) <= target else 'MANQUÉE'})")

            before = wk.placed_count(ws)
            start = time.perf_counter()
            wk.drop_all(burst, ws.inbox)
            dropped = time.perf_counter() - start
            first = wk.wait_for(lambda: wk.placed_count(ws) > before and time.perf_counter(), 120, interval=0.01,
                                what="first outcome")
            wk.wait_for(lambda: wk.placed_count(ws) >= before + len(burst), 600, interval=0.05, what="burst")
            total = time.perf_counter() - start
            print(f"rafale de {len(burst)} fichiers (déposés en {dropped:.2f} s) : premier résultat à "
                  f"{first - start:.2f} s, dernier à {total:.2f} s ; débit {len(burst) / total:.0f} fichiers/s "
                  f"sur l'ensemble, {len(burst) / max(total - (first - start), 1e-9):.0f} fichiers/s une fois "
                  f"la fenêtre passée")
        finally:
            code = service.stop(120)
        print(f"arrêt (SIGTERM) : code {code} ; depuis le démarrage : "
              + ", ".join(f"{v} {k}" for k, v in ws.health.get("compteurs", {}).items()))
        ok = (wk.placed_checksums(ws) == expected and not wk.inbox_left(ws)
              and {s for _n, s, _o in wk.journal_rows(ws)} == {"done"})
        print(f"contrôle : chaque fichier à une seule place, journal terminé : {'oui' if ok else 'NON'}")
        return 0 if ok and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
