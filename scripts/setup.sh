#!/usr/bin/env bash
# Runs after `npm install`: builds the web app and makes sure FFmpeg is there (installed when run as root).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/debian-packages.sh
# Media processing needs ffmpeg and ffprobe; without them Aula still starts and says so.
ensure_packages ffmpeg:ffmpeg ffprobe:ffmpeg || true
npm run build:web
