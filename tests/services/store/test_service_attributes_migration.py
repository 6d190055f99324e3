"""0008: a store from 0007 gets ``services.attributes_json`` (NULL: definition not fetched yet), keeps its service
list, and forgets the list's validators so the next poll brings the definitions; the downgrade drops the column."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from services.records import AttributeValue, ServiceAttribute, ServiceDefinition
from services.store.database import alembic_config, make_engine, open_store
from services.store.schema import HEAD_REVISION


def _columns(conn: object, table: str) -> list[str]:
    return [row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})").all()]  # type: ignore[attr-defined]


def test_upgrade_from_0007_keeps_the_list_and_asks_for_the_definitions(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    engine = make_engine(path, synchronous="FULL")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007_outbox_actor")
        assert "attributes_json" not in _columns(conn, "services")
        conn.exec_driver_sql("INSERT INTO services (service_code, service_name, metadata) "
                             "VALUES ('forest_fire', 'ไฟป่า (Forest fire)', 1), ('road', 'ถนน (Road)', 0)")
        conn.exec_driver_sql("INSERT INTO feed_state (feed, etag, last_modified, cursor) VALUES "
                             "('open311_services', '\"v1\"', 'Sun, 01 Mar 2026 03:00:00 GMT', NULL), "
                             "('open311_requests', '\"r1\"', NULL, '2026-03-01T03:00:00Z')")
    engine.dispose()

    with open_store(path) as store:  # upgrades to the head
        with store.edit_engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == HEAD_REVISION
            assert "attributes_json" in _columns(conn, "services")
        services = {s.service_code: s for s in store.service_definitions()}
        assert services["forest_fire"].service_name == "ไฟป่า (Forest fire)" and services["forest_fire"].metadata
        assert services["forest_fire"].attributes is None and services["road"].attributes is None
        listed = store.get_feed_state("open311_services")
        assert listed.etag is None and listed.last_modified is None
        assert store.get_feed_state("open311_requests").etag == '"r1"'  # other feeds untouched

        fire_size = ServiceAttribute("fire_size", "singlevaluelist", "ขนาดของไฟ", required=True, order=1,
                                     values=(AttributeValue("small", "เล็ก"),))
        store.ingest_services([ServiceDefinition("forest_fire", "ไฟป่า (Forest fire)", metadata=True,
                                                 attributes=(fire_size,))])
        assert {s.service_code: s for s in store.service_definitions()}["forest_fire"].attributes == (fire_size,)

    engine = make_engine(path, synchronous="FULL")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0007_outbox_actor")
        assert "attributes_json" not in _columns(conn, "services")
        assert conn.exec_driver_sql("SELECT count(*) FROM services").scalar_one() == 2
    engine.dispose()
