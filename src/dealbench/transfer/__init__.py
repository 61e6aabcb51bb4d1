"""Moving an organization between databases: ``dealbench org export`` and ``dealbench org import``.

The export walks the SQLAlchemy metadata (every table reachable from the organization through its
foreign keys), so a table added later travels without a change here; what must *not* travel, the
references that are not foreign keys, and the JSON columns that hold ids are declared in
:mod:`dealbench.transfer.declarations`, and a test fails when a new table or column is in neither.
"""
