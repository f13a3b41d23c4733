#!/bin/sh
# Installs the headless browser the browser tests drive: Debian's `chromium`
# and `chromium-driver` packages (/usr/bin/chromium, /usr/bin/chromedriver),
# and a small Chinese font (`fonts-wqy-microhei`) so the screenshots show
# text rather than empty boxes. Does nothing but print the versions when all
# are already there.
#
# Usage: scripts/install-browser.sh      (as root, or with sudo available)
set -eu

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

die() {
    echo "install-browser: $*" >&2
    exit 1
}

FONT_PACKAGE=fonts-wqy-microhei

has_cjk_font() {
    if command -v fc-list >/dev/null 2>&1; then
        [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
    else
        dpkg-query -W -f='${Status}' "$FONT_PACKAGE" 2>/dev/null | grep -q "ok installed"
    fi
}

if [ ! -x "$CHROMIUM" ] || [ ! -x "$DRIVER" ] || ! has_cjk_font; then
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        die "chromium, chromedriver or a Chinese font is missing and this user cannot install packages (run as root)"
    fi
    command -v apt-get >/dev/null 2>&1 || die "chromium, chromedriver or a Chinese font is missing and apt-get is not available"
    export DEBIAN_FRONTEND=noninteractive
    install_packages() {
        $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver "$FONT_PACKAGE" >/dev/null
    }
    echo "== installing chromium, chromium-driver and $FONT_PACKAGE"
    if ! install_packages; then
        echo "install-browser: first attempt failed; updating the package lists and retrying" >&2
        $SUDO apt-get update -q >/dev/null || die "apt-get update failed"
        install_packages || die "apt-get install chromium chromium-driver $FONT_PACKAGE failed"
    fi
    [ -x "$CHROMIUM" ] || die "$CHROMIUM is still missing after the install"
    [ -x "$DRIVER" ] || die "$DRIVER is still missing after the install"
fi

# The Debian launcher script prints shell noise on some machines; keep the version line only.
"$CHROMIUM" --version 2>/dev/null | head -n 1
"$DRIVER" --version 2>/dev/null | head -n 1
