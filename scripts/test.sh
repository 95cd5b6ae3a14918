#!/usr/bin/env bash
# Sets up (packages + build) and runs every test: unit tests and the smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure --timeout 900 -j "$(nproc)"
