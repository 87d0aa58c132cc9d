"""HTML pages, one module per area: each view parses input, calls the domain service, renders or redirects."""
