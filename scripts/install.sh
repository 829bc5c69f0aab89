#!/bin/bash
# sudo make install: Hushlight on a Raspberry Pi, from this checkout. Safe to run again (an upgrade, or
# after editing /etc/hushlight/hushlight.toml: the config.txt lines follow the configured wiring).
#
# HUSHLIGHT_ROOT=/some/dir installs into a throwaway root instead of / (the tests do; systemctl,
# raspi-config, apt-get and runuser are then whatever is first on PATH).
set -euo pipefail

ROOT="${HUSHLIGHT_ROOT:-}"
PYTHON="${PYTHON:-python3}"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=/opt/hushlight
ETC=/etc/hushlight
STATE=/var/lib/hushlight
UNIT=/etc/systemd/system/hushlight.service
USER_NAME=hushlight
BEGIN="# >>> hushlight: lines for its wiring (written by sudo make install; edit $ETC/hushlight.toml, run it again)"
END="# <<< hushlight"
ASOUND_MARK="# hushlight: ALSA for the MAX98357A I2S amplifier"

say() { printf 'hushlight install: %s\n' "$*"; }
die() { printf 'hushlight install: %s\n' "$*" >&2; exit 1; }
root_args=(); [ -n "$ROOT" ] && root_args=(--root "$ROOT")

[ "$(id -u)" = 0 ] || die "run it as root: sudo make install"
[ -f "$SRC/pyproject.toml" ] && [ -d "$SRC/device" ] || die "run it from a checkout of Hushlight ($SRC has no device/)"

# 1. Debian packages: venv, the libraries pygame's wheel needs, i2cdetect, aplay.
packages=(python3-venv libglib2.0-0 i2c-tools alsa-utils)
say "installing Debian packages (${packages[*]})"
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
apt_install || { apt-get update -q >/dev/null && apt_install; } || die "apt-get could not install ${packages[*]}"

# 2. The service user and its groups.
for group in gpio i2c audio; do
    grep -q "^$group:" "$ROOT/etc/group" || groupadd "${root_args[@]}" --system "$group"
done
if grep -q "^$USER_NAME:" "$ROOT/etc/passwd"; then
    usermod "${root_args[@]}" --append --groups gpio,i2c,audio "$USER_NAME"
else
    say "creating the system user $USER_NAME (groups gpio, i2c, audio)"
    useradd "${root_args[@]}" --system --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
        --user-group --groups gpio,i2c,audio "$USER_NAME"
fi

# 3. The program: a venv under /opt/hushlight, built from a copy so this checkout stays yours (no root-owned build/).
upgrade=yes
if [ ! -x "$ROOT$PREFIX/bin/python" ]; then
    upgrade=no
    say "creating the virtual environment $PREFIX"
    "$PYTHON" -m venv "$ROOT$PREFIX"
fi
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
tar -C "$SRC" --exclude=./.venv --exclude=./.git --exclude=./build --exclude='./*.egg-info' --exclude=./.sim-state --exclude='./.lgd-nfy*' \
    -cf - . | tar -C "$build" -xf -
say "installing Hushlight $(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$SRC/device/__init__.py") and its dependencies into $PREFIX (a minute or two)"
"$ROOT$PREFIX/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$build[pi]"
install -m 0644 "$SRC/README.md" "$ROOT$PREFIX/README.md"
install -d "$ROOT$PREFIX/hardware"
install -m 0644 "$SRC"/hardware/* "$ROOT$PREFIX/hardware/"
# `hushlight` on everyone's PATH runs as the service user: its config, state directory and groups.
install -D -m 0755 "$SRC/scripts/hushlight-as-service-user.sh" "$ROOT/usr/local/bin/hushlight"
hushlight="$ROOT$PREFIX/bin/hushlight"

# 4. The config: never overwrite one that is there; a newer default goes beside it.
install -d -m 0755 "$ROOT$ETC"
config="$ROOT$ETC/hushlight.toml"
gid="$(grep "^$USER_NAME:" "$ROOT/etc/group" | cut -d: -f3)"
if [ ! -e "$config" ]; then
    install -m 0640 -g "$gid" "$SRC/config/hushlight.toml" "$config"
    say "config: $ETC/hushlight.toml is the default (edit it, then run sudo make install again)"
else
    chgrp "$gid" "$config" && chmod 0640 "$config"  # readable by the service, and by nobody else
    if [ "$upgrade" = no ]; then
        say "config: $ETC/hushlight.toml (yours)"
    elif ! cmp -s "$SRC/config/hushlight.toml" "$config"; then
        install -m 0644 "$SRC/config/hushlight.toml" "$config.dist"
        say "config: $ETC/hushlight.toml is yours and stays; this version's default is beside it (hushlight.toml.dist)"
    fi
fi
"$hushlight" config check "$config" >/dev/null || die "fix $ETC/hushlight.toml (the message above names the key), then run sudo make install again"

# 5. The state directory (systemd creates it too; the commands run before the first start need it).
install -d -m 0750 -o "$(grep "^$USER_NAME:" "$ROOT/etc/passwd" | cut -d: -f3)" -g "$gid" "$ROOT$STATE"

# 6. The firmware: I2C, the PWM overlay and the audio overlay the configured wiring needs.
reboot_needed=no
boot="$ROOT/boot/firmware/config.txt"
if [ -f "$boot" ]; then
    cp -p "$boot" "$build/config.txt.before"
    if command -v raspi-config >/dev/null 2>&1; then
        raspi-config nonint do_i2c 0 || say "raspi-config could not enable I2C; the line below does it at boot"
    fi
    block="$(printf '%s\n[all]\n%s\n%s\n' "$BEGIN" "$("$hushlight" boot-config --config "$config")" "$END")"
    new="$(awk -v b="# >>> hushlight" -v e="$END" 'index($0, b)==1{skip=1} !skip{print} $0==e{skip=0}' "$boot")"
    printf '%s\n%s\n' "$new" "$block" >"$build/config.txt.new"
    if ! cmp -s "$build/config.txt.new" "$build/config.txt.before"; then
        backup="$boot.hushlight-$(date +%Y%m%d-%H%M%S).bak"
        cp -p "$build/config.txt.before" "$backup"
        cat "$build/config.txt.new" >"$boot"
        say "config.txt: wrote the lines for the wiring to /boot/firmware/config.txt (backup: ${backup#"$ROOT"})"
        reboot_needed=yes
    fi
    # Written by an earlier run since the Pi started: the reboot is still to come.
    booted=$(($(date +%s) - $(cut -d. -f1 /proc/uptime)))
    if [ "$(stat -c %Y "$boot")" -gt "$booted" ]; then reboot_needed=yes; fi
else
    say "no /boot/firmware/config.txt (not Raspberry Pi OS Bookworm?): add these lines to your firmware config:"
    "$hushlight" boot-config --config "$config"
fi
install -d "$ROOT/etc/modules-load.d"
printf 'i2c-dev\n' >"$ROOT/etc/modules-load.d/hushlight.conf"

# 7. ALSA for the MAX98357A: the amplifier as the default device (the daemon keeps it open at night: no pops).
overlay="$("$hushlight" boot-config --config "$config" | sed -n 's/^dtoverlay=\(max98357a\).*/\1/p')"
if [ "$overlay" = max98357a ]; then
    asound="$ROOT/etc/asound.conf"
    if [ -e "$asound" ] && ! grep -qF "$ASOUND_MARK" "$asound"; then
        asound="$asound.hushlight"
        say "ALSA: /etc/asound.conf is yours: ours is in /etc/asound.conf.hushlight to merge by hand"
    fi
    install -m 0644 "$SRC/config/asound.conf" "$asound"
fi

# 8. The service.
install -D -m 0644 "$SRC/systemd/hushlight.service" "$ROOT$UNIT"
systemctl daemon-reload
systemctl enable hushlight.service >/dev/null
if [ "$reboot_needed" = yes ]; then
    say "/boot/firmware/config.txt changed since the Pi started: reboot (sudo reboot), and hushlight starts by itself"
else
    systemctl restart hushlight.service || say "hushlight did not start: journalctl -u hushlight -b"
fi

# 9. What works and what does not, as the service user sees it.
if [ "$reboot_needed" = yes ]; then
    say "hushlight doctor (before the reboot the I2C, GPIO, PWM and audio checks cannot pass yet):"
else
    say "hushlight doctor:"
fi
if runuser -u "$USER_NAME" -- "$hushlight" doctor --config "$config"; then
    say "done: every check passed"
elif [ "$reboot_needed" = yes ]; then
    say "done; the checks above that failed need the reboot first: then run 'hushlight doctor'"
else
    say "done, but some checks failed: each line says what to fix ('hushlight doctor' checks again)"
fi
