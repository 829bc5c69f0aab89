"""A fresh Raspberry Pi OS Lite (Bookworm) as far as Hushlight's installer and doctor look at it."""

from __future__ import annotations

# /boot/firmware/config.txt as Raspberry Pi OS Bookworm ships it (abridged comments).
CONFIG_TXT = """# For more options and information see
# http://rptl.io/configtxt
# Some settings may impact device functionality. See link above for details

# Uncomment some or all of these to enable the optional hardware interfaces
#dtparam=i2c_arm=on
#dtparam=i2s=on
#dtparam=spi=on

# Enable audio (loads snd_bcm2835)
dtparam=audio=on

# Automatically load overlays for detected cameras
camera_auto_detect=1

# Automatically load overlays for detected DSI displays
display_auto_detect=1

# Automatically load initramfs files, if found
auto_initramfs=1

# Enable DRM VC4 V3D driver
dtoverlay=vc4-kms-v3d
max_framebuffers=2

# Don't have the firmware create an initial video= setting in cmdline.txt.
# Use the kernel's default instead.
disable_fw_kms_setup=1

# Run in 64-bit mode
arm_64bit=1

# Disable compensation for displays with overscan
disable_overscan=1

# Run as fast as firmware supports the CPU/GPU/core clock
arm_boost=1

[cm4]
# Enable host mode on the 2711 built-in XHCI USB controller.
# This line should be removed if the legacy DWC OTG mode is still
# required on the CM4 so the peripheral is used in preference
dtoverlay=dwc2,dr_mode=host

[cm5]
dtoverlay=dwc2,dr_mode=host

[all]
"""

# What the reference build's default config needs in it.
REFERENCE_LINES = [
    "dtparam=i2c_arm=on",
    "dtoverlay=pwm,pin=12,func=4",
    "dtparam=audio=off",
    "dtoverlay=max98357a,no-sdmode",
]
