"""The v1 -> v2 migration check: v1 traffic judged by the v2 contract, each difference named by a rule of the table
with what v2 wants instead (`assistants-contract migrate`)."""

from .check import MigrationCheck, MigrationRun, migrate_files
from .model import Change, Migration, OperationTally, Place, Replacement
from .rules import OTHER, RULES, Rule

__all__ = [
    "OTHER",
    "RULES",
    "Change",
    "Migration",
    "MigrationCheck",
    "MigrationRun",
    "OperationTally",
    "Place",
    "Replacement",
    "Rule",
    "migrate_files",
]
