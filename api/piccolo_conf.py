"""Piccolo configuration module (``PICCOLO_CONF=api.piccolo_conf``).

``DB`` starts as the engine for ``DATABASE_URL`` and is replaced by :func:`api.database.use_engine`
whenever the application binds another engine (tests switch between SQLite and PostgreSQL).
"""

from piccolo.conf.apps import AppRegistry

from api.database import engine_from_url
from api.settings import Settings

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["survey_engine.piccolo_app"])
