"""Driver scripts for the peer task queues, each run by the Python of that peer's virtualenv.

They import only the peer and the standard library (plus `peer_common` beside them), never
this repository's packages: upstream Taskhawk's package has the same name as this library.
"""
