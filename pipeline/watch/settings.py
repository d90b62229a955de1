"""How the service watches: :class:`WatchSettings`, from config.yaml's ``surveillance`` section
(:func:`watch_settings`) or the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import Config
from ..outcomes import ConfigError


# -- settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchSettings:
    """How the service watches. Built from config.yaml's ``surveillance`` section by
    :func:`watch_settings`; the command line may replace any of them (:meth:`updated`)."""

    polling: bool = False  # True: PollingObserver (network shares), else inotify
    poll_interval: float = 1.0  # seconds between two snapshots in polling mode
    stability_window: float = 2.0  # size and mtime unchanged this long before a file is taken
    rescan_interval: float = 60.0  # full listing of the inbox, in case events were lost
    ignore_patterns: tuple[str, ...] = ()  # on top of pipeline.process.IGNORED_PATTERNS
    max_retries: int = 8  # failed attempts before a file is reported stuck (it is still retried)
    quiet_before_outputs: float = 5.0  # seconds without a new outcome before the workbooks are rebuilt

    def __post_init__(self) -> None:
        for name, option, minimum in (("poll_interval", "intervalle_polling_s", 0.1),
                                      ("stability_window", "stabilite_s", 0.0),
                                      ("rescan_interval", "rescan_s", 1.0),
                                      ("quiet_before_outputs", "calme_avant_classeurs_s", 0.0),
                                      ("max_retries", "reessais_max", 1)):
            if getattr(self, name) < minimum:
                raise ConfigError(f"surveillance.{option} : valeur « {getattr(self, name)} » trop petite "
                                  f"(minimum : {minimum}).")
        object.__setattr__(self, "ignore_patterns", tuple(self.ignore_patterns))

    @property
    def incomplete_after(self) -> float:
        """A file that looks half-written (a zip without its directory, or no content yet) and has not
        changed for this long is handed over anyway, to get its rejection note."""
        return max(30.0, 15 * self.stability_window)

    @property
    def mode(self) -> str:
        return "polling" if self.polling else "inotify"

    def updated(self, **changes) -> "WatchSettings":
        """A copy with the given settings replaced; ``None`` values (options not given) are skipped."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def watch_settings(config: Config) -> WatchSettings:
    """The settings of config.yaml's ``surveillance`` section (``config.watch``), or the defaults."""
    section = getattr(config, "watch", None)
    if section is None:
        return WatchSettings()
    return WatchSettings(
        polling=section.mode == "polling",
        poll_interval=section.poll_interval,
        stability_window=section.stability_window,
        rescan_interval=section.rescan_interval,
        ignore_patterns=tuple(section.ignore_patterns),
        max_retries=section.max_retries,
        quiet_before_outputs=section.quiet_before_outputs,
    )
