"""Regional youth-care data platform for jeugdhulpregio IJsselland.

One module per stage: ``ijw`` (parsing), ``synth`` (synthetic traffic), ``privacy``
(pseudonymisation), ``warehouse`` (manifest, staging, publish), ``quality`` (Great
Expectations), ``marts`` and ``cli``. Nothing here needs Airflow; the DAGs in ``dags/`` only
wire these functions together.
"""

__version__ = "0.1.0"
