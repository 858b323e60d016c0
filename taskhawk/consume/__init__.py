"""Consuming: the execution core (`execute`) and its drivers (the SQS worker, Lambda, sync mode).

Every driver hands each received message to the core and carries out its decision.
"""
