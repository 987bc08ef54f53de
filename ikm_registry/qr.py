"""QR codes for printed documents (the Profil IKM's link to the public page; later certificates and tickets)."""

import io

import segno


def qr_svg(payload: str) -> str:
    """`payload` as a QR code (segno, error correction M), an inline SVG sized in millimetres for print."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(
        buffer, kind="svg", scale=1, border=2, unit="mm", xmldecl=False, svgns=True, nl=False, svgclass=None
    )
    return buffer.getvalue().decode()
