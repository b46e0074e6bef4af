"""The floor of benchmarks/intake.py: a bare Django view that parses the JSON body and
inserts one row. Mounted only with WANGGE_BENCH_FLOOR=1 (see wangge/urls.py); the benchmark creates
its table."""

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

TABLE_SQL = "CREATE TABLE IF NOT EXISTS bench_floor (id serial PRIMARY KEY, body jsonb)"


@csrf_exempt
def insert_one(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (body) VALUES (%s) RETURNING id", [json.dumps(body)]
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None}, status=201)
