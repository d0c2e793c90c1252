"""An AG Grid table with the admin's defaults and Chinese interface text."""
from __future__ import annotations

import dash_ag_grid as dag

from pensioncert.admin import labels

LOCALE = labels.GRID_LOCALE


PAGE_SIZE = 20


def grid(grid_id: str, columns: list[tuple[str, str]], rows: list[dict] | None = None,
         height: int = 360, row_id: str | None = None, **kwargs) -> dag.AgGrid:
    """``columns``: (field, Chinese header) pairs."""
    options = {"localeText": LOCALE, "pagination": True, "paginationPageSize": PAGE_SIZE,
               "paginationPageSizeSelector": False, "rowSelection": {"mode": "singleRow",
                                                                    "checkboxes": False,
                                                                    "enableClickSelection": True}}
    extra = {"getRowId": f"params.data.{row_id}"} if row_id else {}
    return dag.AgGrid(
        id=grid_id,
        columnDefs=[{"field": field, "headerName": header} for field, header in columns],
        rowData=rows or [],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        style={"height": f"{height}px", "width": "100%"},
        className="ag-theme-alpine",
        **extra,
        **kwargs,
    )
