"""The buyer portal (``/p/{accessCode}``): the shared plan as its buyer sees it, over the services
of the evaluations, documents and tickets domains. It joins three domains, so it is an adapter of
its own, beside the web app (``web/``), and shares the web app's rendering and security headers.
"""
