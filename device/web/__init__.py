"""The device's own web page: one more adapter on the core, like the hub (events in, the state out)."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from device.config.schema import Config
from device.core import events as ev
from device.web.live import WebLink

if TYPE_CHECKING:
    from device.runtime.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class WebPage:
    """The running page: its link to the worker, its server and the address it answers on."""

    link: WebLink
    server: object
    url: str
    close: Callable[[], None]


def start_page(
    config: Config,
    state_dir: Path,
    tz: dt.tzinfo,
    link: WebLink,
    worker: Worker,
    simulate: bool,
) -> WebPage | None:
    """Serve the page (in simulation on loopback only); None when it is off or its port cannot be had."""
    from device.audio.setup import library_folder
    from device.web.app import WebApp, WebContext
    from device.web.server import WebServer
    from device.web.views import RecentWarnings

    web = config.web
    post = worker.post
    link.on_sign_in = lambda: post(ev.Command("blink", None, "web"))
    warnings = RecentWarnings()
    folder = library_folder(config.sounds, state_dir)
    context = WebContext(config, state_dir, folder, tz, post, link, warnings, worker.clock.now, simulate)
    bind = "127.0.0.1" if simulate else web.bind
    try:
        server = WebServer(WebApp(context), bind, web.port)
    except OSError as exc:
        if not simulate:
            log.error("web page: cannot listen on %s port %d (%s): running without it", bind, web.port, exc.strerror)
            return None
        server = WebServer(WebApp(context), bind, 0)  # simulation: any free port will do
    logging.getLogger().addHandler(warnings)

    def close() -> None:
        logging.getLogger().removeHandler(warnings)
        link.close()
        server.close()

    url = server.url(bind if bind not in ("0.0.0.0", "::") else f"{socket.gethostname()}.local")
    server.start()
    log.info("web page at %s", url)
    return WebPage(link, server, url, close)
