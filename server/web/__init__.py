"""The HTTP edge: the application and its routes, pages, the JSON API, cookies and CSRF,
security headers, and reading numbers from what a client sends."""
