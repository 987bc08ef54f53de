from ikm_registry.tabular.command import TabularImportCommand


class Command(TabularImportCommand):
    """`manage.py import_table KIND FILE [--option NAME=VALUE ...]`: any registered importer (see
    ikm_registry/tabular/command.py)."""
