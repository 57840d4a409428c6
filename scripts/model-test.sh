#!/usr/bin/env bash
# The model-based test of the filesystem core (tests/Bucketfs.Core.Tests/Model) over many seeds:
# random operation sequences against the core and a reference model, no root and no store needed.
#
#   scripts/model-test.sh [SEEDS] [STEPS]     default: 20 random seeds of 3,000 steps each
#
# A failure prints the seed, the first difference and the shortest failing sequence found.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
count=${1:-20}
seeds=$(for _ in $(seq "$count"); do echo $((RANDOM * 32768 + RANDOM)); done | paste -sd, -)
echo "seeds: $seeds"
BUCKETFS_MODEL_SEEDS=$seeds BUCKETFS_MODEL_STEPS=${2:-3000} timeout 3600 \
  dotnet test tests/Bucketfs.Core.Tests --filter "FullyQualifiedName~Model.ModelTests" --logger "console;verbosity=normal"
