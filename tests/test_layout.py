"""The package layout by stage (issue 10): the library never depends on `flows` or Prefect,
parsing does no I/O and knows no warehouse, and the old module paths are gone."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Imports every module of blogetl (its command line first), then prints what got imported.
IMPORT_ALL = """
import importlib, json, pkgutil, sys
import blogetl, blogetl.cli
names = [m.name for m in pkgutil.walk_packages(blogetl.__path__, "blogetl.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "modules": sorted(sys.modules)}))
"""

# Imports one module and prints every module loaded with it.
IMPORT_ONE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded(script: str, *args: str) -> object:
    """What a fresh interpreter imported running script (nothing imported by this test process counts)."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def outside(modules: list[str], *packages: str) -> list[str]:
    """The modules that are one of packages or inside one."""
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)]


def test_no_blogetl_module_imports_flows_or_prefect() -> None:
    result = loaded(IMPORT_ALL)
    assert isinstance(result, dict)
    assert {"blogetl.cli", "blogetl.pipeline", "blogetl.sources.scan", "blogetl.parse.parser",
            "blogetl.parse.sites.outlets", "blogetl.warehouse.store", "blogetl.dedup.pipeline"} <= set(result["imported"])
    assert outside(result["modules"], "flows", "prefect", "prefect_dask") == []


def test_parsing_does_no_io_and_knows_no_warehouse() -> None:
    modules = loaded(IMPORT_ONE, "blogetl.parse.parser")
    assert isinstance(modules, list)
    assert outside(modules, "blogetl.warehouse", "blogetl.dedup", "blogetl.pipeline", "blogetl.sources.files",
                   "blogetl.sources.scan", "duckdb", "pyarrow", "flows", "prefect") == []


@pytest.mark.parametrize("old", ["blogetl.io", "blogetl.decode", "blogetl.parser", "blogetl.pages", "blogetl.dates",
                                 "blogetl.lines", "blogetl.identity", "blogetl.patterns", "blogetl.sites",
                                 "blogetl.warehouse.scan", "blogetl.warehouse.ingest"])
def test_the_old_module_paths_are_gone(old: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        __import__(old)
