"""Write ``botocore_data/``: botocore's service models cut to the operations the operator calls.

Run after upgrading botocore or adding an operation to ``operations.OPERATIONS``:

    .venv/bin/python -m sagemaker_client.trim_models

Each model keeps its metadata, the listed operations and every shape they reach (inputs,
outputs, errors, members, list and map elements), all without documentation. It is written
under the same API version as botocore's, so botocore's endpoint rules, paginators and
waiters, which are not copied, still match it.

``endpoints.json`` (every partition's regions and every service's endpoints, ~7 MiB parsed,
read when a client is made) is cut the same way: every partition and its regions, only the
operator's services.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from botocore.loaders import Loader

from sagemaker_client.operations import DATA_PATH, OPERATIONS

_DROPPED_KEYS = ("documentation", "documentationUrl", "examples")


def _undocumented(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _undocumented(v) for k, v in value.items() if k not in _DROPPED_KEYS}
    if isinstance(value, list):
        return [_undocumented(item) for item in value]
    return value


def _shape_names(node: Any) -> set[str]:
    """The names of the shapes ``node`` (an operation or a shape) refers to directly."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "shape" and isinstance(value, str):
                found.add(value)
            else:
                found |= _shape_names(value)
    elif isinstance(node, list):
        for item in node:
            found |= _shape_names(item)
    return found


def trimmed(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    missing = [name for name in operations if name not in model["operations"]]
    if missing:
        raise KeyError(f"botocore's model has no operation {missing}")
    kept_operations = {name: model["operations"][name] for name in operations}
    shapes: dict[str, Any] = {}
    pending = _shape_names(kept_operations)
    while pending:
        name = pending.pop()
        if name not in shapes:
            shapes[name] = model["shapes"][name]
            pending |= _shape_names(shapes[name]) - shapes.keys()
    result: dict[str, Any] = _undocumented(
        {
            "version": model.get("version", "2.0"),
            "metadata": model["metadata"],
            "operations": kept_operations,
            "shapes": dict(sorted(shapes.items())),
        }
    )
    return result


def endpoint_keys(loader: Loader) -> set[str]:
    """The keys of the operator's services in endpoints.json: names and endpoint prefixes
    (SageMaker's is ``api.sagemaker``)."""
    keys = set(OPERATIONS)
    for service in OPERATIONS:
        model = loader.load_service_model(service, "service-2")
        keys.add(model["metadata"]["endpointPrefix"])
    return keys


def trimmed_endpoints(endpoints: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    partitions = [
        {
            **partition,
            "services": {
                name: service
                for name, service in partition.get("services", {}).items()
                if name in keys
            },
        }
        for partition in endpoints["partitions"]
    ]
    return {**endpoints, "partitions": partitions}


def main() -> int:
    loader = Loader()  # botocore's own models only
    endpoints = trimmed_endpoints(loader.load_data("endpoints"), endpoint_keys(loader))
    (DATA_PATH / "endpoints.json").write_text(json.dumps(endpoints, indent=1) + "\n")
    for service, operations in OPERATIONS.items():
        version = loader.determine_latest_version(service, "service-2")
        model = loader.load_service_model(service, "service-2", version)
        folder = DATA_PATH / service / version
        folder.mkdir(parents=True, exist_ok=True)
        small = trimmed(model, operations)
        # Plain JSON, one key per line: reviewable, and a regeneration diffs by operation.
        text = json.dumps(small, indent=1) + "\n"
        (folder / "service-2.json").write_text(text)
        print(
            f"{service} {version}: {len(small['operations'])} of {len(model['operations'])} "
            f"operations, {len(small['shapes'])} of {len(model['shapes'])} shapes, "
            f"{len(text) // 1024} KiB of JSON"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
