"""The series names /metrics exports, read from a real scrape (for checks that a dashboard or
a scaling query only names series that exist)."""

from prometheus_client.parser import text_string_to_metric_families


def exported_series(client) -> set[str]:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    names = set()
    for family in text_string_to_metric_families(response.content.decode()):
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")
        names.update(sample.name for sample in family.samples)
    return names
