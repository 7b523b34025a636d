"""Extension instances, created bare here and bound to the app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
# One per process; its storage (ratelimit.py) is the app's database. Limits are declared
# on the views they guard, counted per client address (ProxyFix sets it behind proxies).
limiter = Limiter(key_func=get_remote_address)
# The language of each answer; its locale selector is web/i18n.py's.
babel = Babel()
