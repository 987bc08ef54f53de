"""Numbers as Indonesian offices write them, whatever the UI language (imports, exports, history, forms)."""


def thousands(number: int) -> str:
    """12345 → '12.345': dots between thousands."""
    return f"{int(number):,}".replace(",", ".")
