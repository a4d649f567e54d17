"""notebooks/explore.ipynb runs top to bottom on the bundled sample store, and is committed without outputs."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_runs_on_the_sample(sample_store, monkeypatch):
    monkeypatch.setenv("PULSO_DB", str(sample_store))  # the kernel inherits the environment
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}).execute()  # raises on a cell error
    text = "\n".join(
        o.get("text", "") or o.get("data", {}).get("text/plain", "")
        for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert f"Almacén {sample_store}: última semana completa" in text
    assert "Última campaña con 14 días de datos" in text
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code)  # every question got an answer on screen
    assert "No disponible" not in text  # the sample supplies every fact these questions need
