"""Part of issue 11: the haze-and-flood demo scenario and the offline map.

Choosing the demo scenario: the ``demo_scenario`` setting (the training team's default), ``--scenario`` over it, and
the scenario as part of the embedded simulator's identity, so a store of one world is never opened for another; a
console in the scenario after its first sync; and "Save area for offline" defaulting to the province with the city
and flood-prone districts in detail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from console.cli import build_parser
from services.backend_identity import BackendIdentity, backend_identity
from services.errors import StoreBindingError
from services.feeds import open311
from services.paths import DataPaths
from services.settings import Settings, SettingsError, load_settings, save_setting
from services.settings_peek import peek_scenario
from services.simulator.server import SimulatorServer
from services.startup import identity_of, start_simulator, startup_settings
from services.store.database import open_store
from widgets.backend_words import describe_backend, how_to_open
from widgets.i18n import set_language

DEFAULT_WORLD = backend_identity("demo", "", None)
BAD_NIGHT = backend_identity("demo", "", None, scenario="haze-flood")


def test_the_setting_defaults_to_the_default_world_and_refuses_unknown_scenarios(tmp_path: Path) -> None:
    assert Settings().demo_scenario == "default"
    path = tmp_path / "settings.json"
    save_setting(path, "demo_scenario", "haze-flood")  # what the training team writes to make it the default
    assert json.loads(path.read_text(encoding="utf-8")) == {"demo_scenario": "haze-flood"}
    assert load_settings(path).demo_scenario == "haze-flood"
    assert peek_scenario(path) == "haze-flood"
    path.write_text(json.dumps({"demo_scenario": "tsunami"}), encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown scenario 'tsunami'"):
        load_settings(path)
    assert peek_scenario(path) is None  # the cheap read says "no preference"; the full load reports the error


def test_the_command_line_overrides_the_setting(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path).ensure()
    paths.settings_file.write_text(json.dumps({"demo_scenario": "haze-flood"}), encoding="utf-8")
    assert startup_settings(paths, None, None).demo_scenario == "haze-flood"
    assert startup_settings(paths, None, None, "default").demo_scenario == "default"
    args = build_parser().parse_args(["--demo", "--scenario", "haze-flood"])
    assert (args.mode, args.scenario) == ("demo", "haze-flood")
    assert build_parser().parse_args([]).scenario is None  # then the settings decide
    standalone = build_parser().parse_args(["simulator", "--scenario", "haze-flood", "--port", "0"])
    assert standalone.sim_scenario == "haze-flood"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--scenario", "tsunami"])


def test_the_embedded_simulator_starts_in_the_scenario_the_settings_name(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path).ensure()
    paths.settings_file.write_text(json.dumps({"demo_scenario": "haze-flood"}), encoding="utf-8")
    for override, expected in ((None, "haze-flood"), ("default", "default")):
        sim = start_simulator(paths, override)
        try:
            assert sim.scenario == expected
            body = requests.get(sim.feed_base("thaiwater") + "/api/v1/thaiwater30/public/waterlevel_load",
                                timeout=10).json()
            p1 = next(r for r in body["waterlevel_data"]["data"] if r["station"]["tele_station_oldcode"] == "P.1")
            assert (p1["waterlevel_m"] == 4.37) == (expected == "haze-flood")
        finally:
            sim.stop()


def test_the_scenario_is_part_of_the_backend_identity() -> None:
    assert DEFAULT_WORLD.key == "demo:embedded_simulator:#seed=2026"  # stores bound before scenarios still match
    assert backend_identity("demo", "", None, scenario="default") == DEFAULT_WORLD
    assert BAD_NIGHT.key == "demo:embedded_simulator:#seed=2026#scenario=haze-flood"
    assert BackendIdentity.from_key(BAD_NIGHT.key) == BAD_NIGHT
    assert BackendIdentity.from_key(DEFAULT_WORLD.key) == DEFAULT_WORLD
    assert "haze-flood" in BAD_NIGHT.describe()
    # A standalone simulator is known by its URL, whatever scenario it runs.
    assert backend_identity("demo", "", "http://127.0.0.1:8311", scenario="haze-flood").scenario is None
    assert identity_of(Settings(demo_scenario="haze-flood"), None) == BAD_NIGHT
    assert identity_of(Settings(), None) == DEFAULT_WORLD


def test_a_store_of_the_bad_night_is_not_opened_for_the_default_world(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SimulatorServer(scenario="haze-flood") as sim, open_store(path) as store:
        assert store.bind_backend(BAD_NIGHT) == "bound"
        body = requests.get(sim.feed_base("open311") + "/requests.json", timeout=10).content
        store.ingest_service_requests(open311.parse_requests(body).records)
    with open_store(path) as store:
        assert store.backend() == BAD_NIGHT  # read back with its scenario
        assert store.bind_backend(BAD_NIGHT) == "same"
        with pytest.raises(StoreBindingError) as refused:
            store.bind_backend(DEFAULT_WORLD)
        assert refused.value.stored == BAD_NIGHT and refused.value.incidents > 40
    set_language("en")
    try:
        assert "scenario haze-flood" in describe_backend(BAD_NIGHT)
        assert "pao-console --demo --scenario haze-flood" in (how_to_open(BAD_NIGHT) or "")
        assert "--scenario" not in (how_to_open(DEFAULT_WORLD) or "")
    finally:
        set_language("th")


FIRST_SYNC_MS = 60_000
PM25_RANGE = (86.0, 125.0)


def test_a_console_in_the_scenario_shows_p1_flooding_and_the_haze_after_its_first_sync(
        qtbot, console_factory, data_paths: DataPaths) -> None:  # type: ignore[no-untyped-def]
    """The training team's default (settings.json ``demo_scenario``), through the real console and its embedded
    simulator: the river table's P.1 is "flooding" on the one river scale, and the Chiang Mai stations' PM2.5 24-hour
    means are 86–125 µg/m³."""
    from services.river_status import status_of

    data_paths.settings_file.write_text(json.dumps({"demo_scenario": "haze-flood"}), encoding="utf-8")
    controller = console_factory()
    with qtbot.waitSignal(controller.sync_controller.sig_first_sync_finished, timeout=FIRST_SYNC_MS):
        pass
    overview = controller.window.overview
    qtbot.waitUntil(lambda: any(r.code == "P.1" for r in overview.river_model.rows()), timeout=10_000)
    p1 = next(r for r in overview.river_model.rows() if r.code == "P.1")
    assert status_of(p1).band == "flooding" and p1.level_m is not None and p1.level_m >= 4.20
    chiang_mai = [r for r in overview.air_model.rows() if (r.area_en or "").strip().endswith("Chiang Mai")]
    assert len(chiang_mai) >= 10
    assert all(r.pm25 is not None and PM25_RANGE[0] <= r.pm25 <= PM25_RANGE[1] for r in chiang_mai), \
        [(r.code, r.pm25) for r in chiang_mai]
    assert controller.backend == BAD_NIGHT  # the store is bound to the scenario's world
    assert controller.simulator.scenario == "haze-flood"


def test_pao_console_demo_scenario_flag(tmp_path: Path) -> None:
    """``pao-console --demo --scenario haze-flood`` as a real process: after its first sync the store holds P.1 in
    flood and the scenario's reports, and is bound to the scenario's world."""
    import os
    import subprocess
    import sys

    from services.river_status import status_of

    exe = Path(sys.executable).with_name("pao-console")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    data = tmp_path / "data"
    result = subprocess.run([str(exe), "--demo", "--scenario", "haze-flood", "--data-dir", str(data),
                             "--screenshot", str(tmp_path / "shot.png"), "--wait", "60", "--lang", "en"],
                            capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr
    with open_store(DataPaths(data).with_mode("demo").database) as store:
        assert store.backend() == BAD_NIGHT
        p1 = next(r for r in store.latest_river() if r.code == "P.1")
        assert status_of(p1).band == "flooding"
        assert store.contents().incidents >= 56  # the seeded 40 and the scenario's 16


def test_save_area_for_offline_offers_the_province_with_the_flood_districts_first(
        qtbot, console_factory, simulator: SimulatorServer, monkeypatch,
        simulator_tokens_in_keyring) -> None:  # type: ignore[no-untyped-def]
    """Map → Save area for offline, in the real console: the default is the province to zoom 12 with the city and
    flood-prone districts to zoom 16, and its tile count and size are shown before anything starts."""
    from services.tile_cache import count_area_tiles, province_with_flood_districts

    controller = console_factory(simulator_url=simulator.url)
    qtbot.waitUntil(lambda: controller.offline_area._tiles is not None, timeout=60_000)
    # Whether a save started, asked where it starts: the map page fills the cache with the tiles it shows meanwhile.
    saves: list[object] = []
    monkeypatch.setattr(controller.offline_area._tiles, "prefetch", lambda *args, **kwargs: saves.append(args))
    controller.window.offline_area_action.trigger()
    qtbot.waitUntil(lambda: controller.offline_area.dialog is not None, timeout=10_000)
    dialog = controller.offline_area.dialog
    assert dialog.detail_choice.isChecked()
    assert dialog.selection() == province_with_flood_districts()
    expected = count_area_tiles(province_with_flood_districts())
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=20_000)
    assert f"{expected:,}" in dialog.estimate_label.text() and "MB" in dialog.estimate_label.text()
    assert saves == []  # only counted, nothing downloaded yet
    dialog.close()


def test_offline_selecting_an_incident_zooms_no_deeper_than_the_saved_basemap(
        qtbot, console_factory, simulator: SimulatorServer,
        simulator_tokens_in_keyring) -> None:  # type: ignore[no-untyped-def]
    """The console knows what is in its MBTiles: offline, an incident in the province (saved to zoom 12) is shown at
    zoom 12, not at the street level (15) whose tiles were never saved; online the usual zoom applies."""
    from tests.maps.conftest import ask, js

    controller = console_factory(simulator_url=simulator.url)
    qtbot.waitUntil(lambda: controller.map.ready and controller.offline_area._tiles is not None, timeout=60_000)
    tiles = controller.offline_area._tiles
    tiles.prefetch(tiles.plan_area((98.011, 17.242, 99.573, 20.147), 8, 12))  # as the dialog's province choice would
    view = controller.map.view
    qtbot.waitUntil(lambda: bool(controller.map._sent.get("incidents")), timeout=60_000)
    some_id = next(iter(controller.map._sent["incidents"]))

    def zoom() -> int:
        return ask(qtbot, view, "state")["zoom"]

    def overview() -> None:  # the province in view at once (again until it takes: not while a zoom animates)
        qtbot.waitUntil(lambda: js(qtbot, view, "ConsoleMap.app.map.setView([18.7, 98.8], 8, {animate: false}); "
                                                "return ConsoleMap.app.map.getZoom();") == 8, timeout=10_000)

    simulator.set_offline(True)
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: controller.window.connection.state == "offline", timeout=60_000)
    overview()
    controller.map.select_incident(some_id)
    qtbot.waitUntil(lambda: ask(qtbot, view, "state")["selected"] == {"layer": "incidents", "id": some_id},
                    timeout=10_000)
    qtbot.waitUntil(lambda: zoom() == 12, timeout=10_000)

    simulator.set_offline(False)
    controller.sync_controller.sync_now()
    qtbot.waitUntil(lambda: controller.window.connection.state == "online", timeout=60_000)
    tiles.fetcher.resume()  # the tile server answers again (the next tile request would find out)
    overview()
    controller.map.select_incident(some_id)
    qtbot.waitUntil(lambda: zoom() == 15, timeout=10_000)
