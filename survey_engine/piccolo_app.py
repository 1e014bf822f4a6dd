"""Piccolo app registration: tables and migrations of the survey engine."""

import os

from piccolo.conf.apps import AppConfig

from survey_engine.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="survey_engine",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
