"""Document workspaces (the Opus 2 documents API): projects, templates, folders, documents."""
