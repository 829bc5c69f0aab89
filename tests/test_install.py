"""`sudo make install` / `sudo make uninstall` in a throwaway root: a fake systemctl, raspi-config, apt-get
and runuser on PATH, a fake /boot/firmware; the first install from an older checkout, the upgrade to this
one over an edited config, a second run that changes nothing, then uninstall and purge."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.pi_os import CONFIG_TXT, REFERENCE_LINES

REPO = Path(__file__).resolve().parent.parent
FAKES = {
    # Each logs its arguments; runuser runs the command (as root: the user exists only in the fake root).
    "systemctl": 'echo "systemctl $*" >>"$HUSHLIGHT_ROOT/calls.log"',
    "raspi-config": 'echo "raspi-config $*" >>"$HUSHLIGHT_ROOT/calls.log"',
    "apt-get": 'echo "apt-get $*" >>"$HUSHLIGHT_ROOT/calls.log"',
    "runuser": 'echo "runuser $*" >>"$HUSHLIGHT_ROOT/calls.log"\nwhile [ "$1" != "--" ]; do shift; done; shift\nexec "$@"',
}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the installer runs as root (useradd --root, chown)")


def make_root(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow", "login.defs"):
        if Path("/etc", name).exists():
            shutil.copy(Path("/etc", name), root / "etc" / name)
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/config.txt").write_text(CONFIG_TXT)
    fakes = tmp_path / "fakebin"
    fakes.mkdir()
    for name, body in FAKES.items():
        (fakes / name).write_text(f"#!/bin/bash\n{body}\n")
        (fakes / name).chmod(0o755)
    env = {
        "PATH": f"{fakes}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HUSHLIGHT_ROOT": str(root),
        "HOME": str(tmp_path),
        "SDL_AUDIODRIVER": "dummy",
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
    }
    return root, env


def older_checkout(tmp_path: Path) -> Path:
    """This checkout as an older release: another version, an older unit and default config."""
    old = tmp_path / "old-checkout"
    shutil.copytree(
        REPO,
        old,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", ".sim-state", "build", "__pycache__", ".lgd-nfy*"),
    )
    init = old / "device/__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0.1.0"', '__version__ = "0.0.9"'))
    unit = old / "systemd/hushlight.service"
    unit.write_text(unit.read_text().replace("WorkingDirectory=/var/lib/hushlight\n", ""))
    config = old / "config/hushlight.toml"
    config.write_text(config.read_text().replace("poll_interval_s = 30.0", "poll_interval_s = 60.0"))
    return old


def run(script: Path, env: dict[str, str], **extra: str) -> str:
    done = subprocess.run(["bash", str(script)], env={**env, **extra}, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def calls(root: Path) -> list[str]:
    log = root / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def files_of(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts}


def blocks(text: str) -> int:
    return text.count("# >>> hushlight")


@pytest.mark.slow
def test_install_upgrade_second_run_and_uninstall(tmp_path: Path) -> None:
    root, env = make_root(tmp_path)
    boot = root / "boot/firmware/config.txt"
    old = older_checkout(tmp_path)
    before = files_of(old)

    # 1. First install, from the older checkout.
    out = run(old / "scripts/install.sh", env)
    passwd = (root / "etc/passwd").read_text()
    assert re.search(r"^hushlight:x:\d+:\d+::/var/lib/hushlight:/usr/sbin/nologin$", passwd, re.M)
    for group in ("gpio", "i2c", "audio"):
        assert re.search(rf"^{group}:x:\d+:.*hushlight", (root / "etc/group").read_text(), re.M), group
    version = subprocess.run([root / "opt/hushlight/bin/hushlight", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "hushlight 0.0.9"
    config = root / "etc/hushlight/hushlight.toml"
    assert config.read_text() == (old / "config/hushlight.toml").read_text()
    assert oct(config.stat().st_mode & 0o777) == "0o640"
    text = boot.read_text()
    assert text.startswith(CONFIG_TXT) and blocks(text) == 1
    for line in REFERENCE_LINES:
        assert f"\n{line}\n" in text
    backups = sorted(boot.parent.glob("config.txt.hushlight-*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == CONFIG_TXT
    assert "sudo reboot" in out
    assert (root / "etc/asound.conf").read_text() == (REPO / "config/asound.conf").read_text()
    assert (root / "etc/modules-load.d/hushlight.conf").read_text() == "i2c-dev\n"
    wrapper = root / "usr/local/bin/hushlight"  # runs as the service user, for the maker's commands
    assert wrapper.read_text() == (REPO / "scripts/hushlight-as-service-user.sh").read_text()
    assert os.access(wrapper, os.X_OK)
    assert (root / "opt/hushlight/README.md").exists() and (root / "opt/hushlight/hardware/README.md").exists()
    assert (root / "var/lib/hushlight").is_dir()
    log = calls(root)
    assert "raspi-config nonint do_i2c 0" in log
    assert any(c.startswith("apt-get install") and "libglib2.0-0" in c and "i2c-tools" in c for c in log)
    assert "systemctl enable hushlight.service" in log
    assert not any("restart" in c for c in log), "the firmware changed: a reboot starts it, not a restart"
    assert any(
        c.startswith("runuser -u hushlight --")
        and c.endswith("doctor --config /etc/hushlight/hushlight.toml".replace("/etc", f"{root}/etc"))
        for c in log
    )
    assert "hushlight doctor (before the reboot" in out and "ok    config" in out
    assert files_of(old) == before, "the checkout is left as it was (no build/, no egg-info)"

    # The maker's own command runs as the service user: as root through runuser, else through sudo.
    wrapper_text = wrapper.read_text()
    assert "root) exec runuser -u hushlight --" in wrapper_text and "exec sudo -u hushlight --" in wrapper_text

    # 1b. Run again before the reboot: nothing changes, and the reboot is still asked for.
    state = {
        p: p.read_bytes() for p in (boot, config, root / "etc/asound.conf", root / "etc/passwd", root / "etc/group")
    }
    out = run(old / "scripts/install.sh", env)
    assert {p: p.read_bytes() for p in state} == state and blocks(boot.read_text()) == 1
    assert "sudo reboot" in out and not any("restart" in c for c in calls(root))

    # 2. The maker reboots (config.txt is then older than the boot), edits the config, upgrades to this checkout.
    os.utime(boot, (0, 0))
    config.write_text(config.read_text().replace('timezone = ""', 'timezone = "Europe/Berlin"'))
    edited = config.read_text()
    out = run(REPO / "scripts/install.sh", env)
    assert "sudo reboot" not in out
    version = subprocess.run([root / "opt/hushlight/bin/hushlight", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "hushlight 0.1.0"
    assert config.read_text() == edited, "an edited config is never overwritten"
    assert (root / "etc/hushlight/hushlight.toml.dist").read_text() == (REPO / "config/hushlight.toml").read_text()
    assert "hushlight.toml.dist" in out
    unit = (root / "etc/systemd/system/hushlight.service").read_text()
    assert unit == (REPO / "systemd/hushlight.service").read_text() and "WorkingDirectory=" in unit
    assert boot.read_text() == text, "same wiring, same lines: config.txt untouched"
    assert len(list(boot.parent.glob("config.txt.hushlight-*.bak"))) == 1
    log = calls(root)
    assert "systemctl daemon-reload" in log and "systemctl restart hushlight.service" in log

    # 3. A second run of this checkout changes nothing either.
    state = {p: p.read_bytes() for p in state}
    run(REPO / "scripts/install.sh", env)
    assert {p: p.read_bytes() for p in state} == state
    assert blocks(boot.read_text()) == 1
    assert "systemctl restart hushlight.service" in calls(root)

    # 4. A changed wiring rewrites only our block, with a new backup.
    config.write_text(edited.replace('audio_overlay = "max98357a"', 'audio_overlay = "none"'))
    out = run(REPO / "scripts/install.sh", env)
    changed = boot.read_text()
    assert blocks(changed) == 1 and "dtoverlay=max98357a" not in changed and changed.startswith(CONFIG_TXT)
    backups = sorted(boot.parent.glob("config.txt.hushlight-*.bak"))
    assert len(backups) == 2 and backups[-1].read_text() == text
    assert "sudo reboot" in out and not any("restart" in c for c in calls(root))

    # 5. Uninstall keeps the config, the journal and the user; PURGE=1 removes them.
    (root / "var/lib/hushlight/journal.db").write_text("nights")
    run(REPO / "scripts/uninstall.sh", env)
    assert not (root / "opt/hushlight").exists() and not (root / "etc/systemd/system/hushlight.service").exists()
    assert not (root / "usr/local/bin/hushlight").exists() and not (root / "etc/asound.conf").exists()
    assert boot.read_text().rstrip("\n") == CONFIG_TXT.rstrip("\n")
    assert config.exists() and (root / "var/lib/hushlight/journal.db").exists()
    assert "hushlight:" in (root / "etc/passwd").read_text()
    assert "systemctl disable --now hushlight.service" in calls(root)
    run(REPO / "scripts/uninstall.sh", env, PURGE="1")
    assert not (root / "etc/hushlight").exists() and not (root / "var/lib/hushlight").exists()
    assert "hushlight:" not in (root / "etc/passwd").read_text()


def test_install_refuses_without_root_and_outside_a_checkout(tmp_path: Path) -> None:
    script = tmp_path / "scripts/install.sh"
    script.parent.mkdir()
    shutil.copy(REPO / "scripts/install.sh", script)
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert done.returncode == 1 and "run it from a checkout of Hushlight" in done.stderr
    if shutil.which("setpriv"):
        nobody = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(REPO / "scripts/install.sh")],
            capture_output=True,
            text=True,
        )
        assert nobody.returncode == 1 and "sudo make install" in nobody.stderr


def test_make_install_runs_the_script() -> None:
    dry = subprocess.run(["make", "-n", "-C", str(REPO), "install", "uninstall"], capture_output=True, text=True)
    assert "bash scripts/install.sh" in dry.stdout and "bash scripts/uninstall.sh" in dry.stdout
