#!/bin/sh
# /usr/local/bin/hushlight (installed by `sudo make install`): the hushlight command, run as the service
# user whoever calls it, so `hushlight journal`, `hushlight doctor` or `hushlight lamp calibrate` see the
# same config, state directory and hardware groups as the daemon.
HUSHLIGHT=/opt/hushlight/bin/hushlight
case "$(id -un)" in
    hushlight) exec "$HUSHLIGHT" "$@" ;;
    root) exec runuser -u hushlight -- "$HUSHLIGHT" "$@" ;;
    *) exec sudo -u hushlight -- "$HUSHLIGHT" "$@" ;;
esac
