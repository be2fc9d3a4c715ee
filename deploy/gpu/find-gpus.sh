#!/usr/bin/env bash
# Spark's GPU discovery script (spark.{executor,worker}.resource.gpu.discoveryScript): prints the GPUs this
# executor may use as {"name": "gpu", "addresses": ["0", "1", ...]}, from nvidia-smi. Under YARN and Kubernetes
# the container sees only the GPUs it was given, so these are exactly its own.
set -euo pipefail
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed -e 's/^ *//' -e 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
