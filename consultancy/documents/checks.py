"""System checks for what PDF rendering needs from the operating system."""

import shutil
import subprocess

from django.core import checks

CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")


@checks.register()
def pdf_dependencies(app_configs=None, **kwargs):
    messages = []
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except (ImportError, OSError) as exc:  # WeasyPrint cannot load Pango at all
        return [
            checks.Error(
                f"WeasyPrint cannot load its system libraries: {exc}",
                hint="Install Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0).",
                id="documents.E001",
            )
        ]
    if harfbuzz_subset is None:
        messages.append(
            checks.Warning(
                "HarfBuzz's subset library is missing: PDFs fall back to fontTools for font "
                "subsetting and a ten-page Chinese document renders over 20 times slower.",
                hint="Install libharfbuzz-subset0 (Debian/Ubuntu).",
                id="documents.W001",
            )
        )
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            families = subprocess.run(  # noqa: S603
                [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            families = None
        if families is not None and not any(name in families for name in CJK_FAMILIES):
            messages.append(
                checks.Warning(
                    "No Noto CJK SC font is installed: Chinese PDFs would be set in whatever "
                    "font fontconfig finds, or in boxes.",
                    hint="Install fonts-noto-cjk (Debian/Ubuntu).",
                    id="documents.W002",
                )
            )
    return messages
