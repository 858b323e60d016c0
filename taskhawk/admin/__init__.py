"""Operating an app's queues: provisioning, moving dead letters back, a local endpoint.

Kept apart from the library core: workers and publishers never need these permissions.
"""
