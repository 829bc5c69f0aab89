"""The bedside buttons: each one's gestures (single, double, long) and what each is set to do."""

from __future__ import annotations

from device.config.schema import Action, ButtonConfig, ButtonsConfig
from device.core import events as ev
from device.core.gestures import GestureClassifier, GestureKind, GestureTiming

Gesture = tuple[str, GestureKind]  # (button, gesture)


class Buttons:
    def __init__(self, config: ButtonsConfig) -> None:
        timing = GestureTiming(config.debounce_ms / 1000, config.double_press_ms / 1000, config.long_press_ms / 1000)
        self._config: dict[str, ButtonConfig] = {"main": config.main}
        if config.second is not None:
            self._config["second"] = config.second
        self._gestures = {name: GestureClassifier(timing) for name in self._config}

    def edge(self, edge: ev.ButtonEdge) -> list[Gesture]:
        classifier = self._gestures.get(edge.button)
        return [(edge.button, g) for g in classifier.edge(edge.pressed, edge.at)] if classifier else []

    def due(self, now: float) -> list[Gesture]:
        return [(name, g) for name, classifier in self._gestures.items() for g in classifier.due(now)]

    def deadline(self) -> float | None:
        times = [t for classifier in self._gestures.values() if (t := classifier.deadline()) is not None]
        return min(times) if times else None

    def action(self, button: str, gesture: GestureKind) -> Action:
        action: Action = getattr(self._config[button], gesture)
        return action
