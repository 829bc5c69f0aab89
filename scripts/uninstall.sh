#!/bin/bash
# sudo make uninstall: remove what `sudo make install` put in place. The config (/etc/hushlight) and the
# journal and settings (/var/lib/hushlight) stay, and so does the hushlight user, unless PURGE=1.
set -euo pipefail

ROOT="${HUSHLIGHT_ROOT:-}"
PURGE="${PURGE:-0}"
BEGIN="# >>> hushlight: lines for its wiring"
END="# <<< hushlight"
ASOUND_MARK="# hushlight: ALSA for the MAX98357A I2S amplifier"
say() { printf 'hushlight uninstall: %s\n' "$*"; }
root_args=(); [ -n "$ROOT" ] && root_args=(--root "$ROOT")

[ "$(id -u)" = 0 ] || { echo "hushlight uninstall: run it as root: sudo make uninstall" >&2; exit 1; }

if [ -e "$ROOT/etc/systemd/system/hushlight.service" ]; then
    systemctl disable --now hushlight.service >/dev/null 2>&1 || true
    rm -f "$ROOT/etc/systemd/system/hushlight.service"
    systemctl daemon-reload
    say "service stopped, disabled and removed"
fi
rm -rf "$ROOT/opt/hushlight"
rm -f "$ROOT/usr/local/bin/hushlight" "$ROOT/etc/modules-load.d/hushlight.conf"
for asound in "$ROOT/etc/asound.conf" "$ROOT/etc/asound.conf.hushlight"; do
    if [ -e "$asound" ] && grep -qF "$ASOUND_MARK" "$asound"; then rm -f "$asound"; fi
done
boot="$ROOT/boot/firmware/config.txt"
if [ -f "$boot" ] && grep -qF "$BEGIN" "$boot"; then
    backup="$boot.hushlight-$(date +%Y%m%d-%H%M%S).bak"
    cp -p "$boot" "$backup"
    awk -v b="$BEGIN" -v e="$END" 'index($0, b)==1{skip=1} !skip{print} $0==e{skip=0}' "$backup" >"$boot"
    say "removed the hushlight lines from /boot/firmware/config.txt (backup: ${backup#"$ROOT"}); I2C stays on"
fi
if [ "$PURGE" = 1 ]; then
    rm -rf "$ROOT/etc/hushlight" "$ROOT/var/lib/hushlight"
    if grep -q '^hushlight:' "$ROOT/etc/passwd"; then userdel "${root_args[@]}" hushlight; fi
    say "removed the config, the journal and settings, and the hushlight user"
else
    say "kept /etc/hushlight (config) and /var/lib/hushlight (journal, settings): PURGE=1 removes them too"
fi
say "done"
