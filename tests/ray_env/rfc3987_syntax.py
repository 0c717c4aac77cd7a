# Put first on the PYTHONPATH of the test cluster's Ray processes only. jsonschema imports
# rfc3987_syntax when it is installed (jupyter's format extras), and that compiles a lark grammar
# at import: seconds of CPU in every Ray process (they all import jsonschema), and on a loaded
# 2-core machine past the 15 s a raylet gives its dashboard agent to start. Without it,
# jsonschema only skips checking the "iri" format, which nothing here uses.
raise ImportError("rfc3987_syntax is left out of the test cluster's Ray processes")
