"""Page views counted on the server: no cookie, no script, nothing that names a reader."""
