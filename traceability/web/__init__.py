"""Web: base templates, static files, translations and the site's own pages."""
