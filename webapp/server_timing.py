"""Per-request server cost in a `Server-Timing` header, for the load test (SERVER_TIMING=true).

`cpu`: CPU milliseconds the request's thread spent (time.thread_time: this request alone even
with gunicorn's threads, PBKDF2 included); `db`: the number of SQL queries it ran. Off by
default: the figures would tell a visitor how much work a request caused.
"""

import time

from django.db import connection


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.thread_time()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        cpu_ms = (time.thread_time() - started) * 1000
        response["Server-Timing"] = f"cpu;dur={cpu_ms:.2f}, db;desc=queries;dur={queries}"
        return response
