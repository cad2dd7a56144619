"""Pydantic models generated from botocore's service models by `python -m apis.manifests`.

Do not edit by hand: `apis/codegen.py` writes these files.
"""
