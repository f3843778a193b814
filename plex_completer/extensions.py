"""Extension instances, created unbound and attached in :func:`plex_completer.create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of all models."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
# In-memory storage: one process serves the app (see the Dockerfile), so limits hold.
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")
