"""Django's PostgreSQL backend, plus the row-level security settings of each connection
(``DATABASES["default"]["ENGINE"] = "consultancy.tenancy.postgresql"``; the settings pick
it for every ``postgres://`` ``DATABASE_URL``)."""
