"""The ``haze-flood`` scenario: the operator's bad night, as the issue that asked for it describes it.

At the simulator's start (its clock's now, whatever the date):

- **Flood.** Two storms over the upper Ping, 30 h and 15 h before the first reading, the second as strong as it
  takes for P.1 (Nawarat Bridge) to read **4.37 m**: above bank-full (3.70 m) and the city-flood level (4.20 m). The
  wave runs down the river by each gauge's lag: P.103 is over its bank upstream, P.73 and Hot downstream are still
  rising. P.1 keeps rising to about 4.5–4.6 m five hours later and stays above 4.20 m for about half a day; as the
  simulated clock moves on, the river falls back. The storms replace the seeded weather from 12 days before the start
  to 3 days after it.
- **Haze.** A haze episode over the north holds PM2.5 24-hour means at 95–120 µg/m³ at the Chiang Mai stations (the
  more rural and forested, the higher; Thai AQI band 5), and at 70–105 µg/m³ in the neighbouring provinces, from four
  days before the start to two days after, blended in and out over two days. Hourly values keep the daily cycle.
- **Fires.** FIRMS detections at the height of the burning season, from six days before the start to two days after,
  in the forested districts as always (most in Mae Chaem and Omkoi); before that, the season's burning spell
  (services.simulator.season), so the month the charts show has its fires too. And a fire on Doi Suthep's slope,
  under 2 km from the temple, from 12 hours before the start to two days after: the one the citizen-app report
  behind the university describes.
- **Reports.** Besides the seeded incidents, 16 reports made over the previous two days: flood reports along the Ping
  in the city, Saraphi, San Sai and Hang Dong, forest fires in Mae Chaem, Omkoi, Doi Suthep, Chiang Dao and Samoeng,
  smoke and open burning. Seven are open P1s; four of them and one P2 are past their SLA target at the start (the
  backend's default policy: P1 4 h, P2 24 h). Each reached its state through the real workflow rules.

Everything is deterministic for a given seed and start; every feed keeps its real format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.simulator.air_quality import HazeEpisode, haze_levels
from services.simulator.fires import FireFront
from services.simulator.incident_seed import SEED_PATHS, Draft
from services.simulator.river import FloodCrest
from services.simulator.scenarios import ScenarioWorld
from services.simulator.season import season_fire_activity

P1_LEVEL_M = 4.37  # Nawarat Bridge at the first reading
FLOOD_STORMS = ((30.0, 0.8), (15.0, None))  # (hours before the first reading, intensity; None = solved for P1_LEVEL_M)
WEATHER_WINDOW = (timedelta(days=12), timedelta(days=3))  # seeded storms replaced this long before / after the start
HAZE_FULL = (timedelta(days=4), timedelta(days=2))  # the episode at its height this long before / after the start
HAZE_RAMP = timedelta(days=2)
CHIANG_MAI_PM25 = (95.0, 120.0)  # 24 h means at the Chiang Mai stations, from the least to the most hazy
NEIGHBOUR_PM25 = 75.0  # × the station's haze factor, in the neighbouring provinces
FIRE_DAYS = (6, 2)  # burning-season activity this many days before / after the start
FIRE_ACTIVITY = 1.0
DOI_SUTHEP_FIRE = (18.800, 98.905)  # on the slope west of the university, 1.8 km from Wat Phra That Doi Suthep
# Burning from this long before the start to after it: 36 h holds several passes of every satellite whatever the
# hour of the start (from 12 h, a start in the evening found no detection published yet and no alert).
DOI_SUTHEP_DAYS = (timedelta(hours=36), timedelta(days=2))


@dataclass(frozen=True)
class _Report:
    minutes_before: int
    service_code: str
    state: str
    priority: str
    lat: float
    lon: float
    place_th: str
    place_en: str
    zipcode: str
    text_th: str
    text_en: str
    source: str
    attributes: tuple[tuple[str, str], ...] = ()
    reporter: tuple[str, str] | None = None  # (name, contact)
    assignee: str | None = None
    steps: tuple[int, ...] = ()  # minutes between the workflow steps of SEED_PATHS[state]


# Places and wording as a hotline operator would take them down; coordinates at the named places.
_REPORTS: tuple[_Report, ...] = (
    _Report(265, "flooding", "acknowledged", "P1", 18.7812, 99.0068, "ชุมชนป่าพร้าวนอก", "Pa Phrao Nok community",
            "50000", "น้ำปิงเอ่อเข้าชุมชนป่าพร้าวนอก น้ำเข้าบ้านแล้วหลายหลัง มีผู้สูงอายุติดเตียง ขอเรือช่วยขนย้าย",
            "Ping water backing into Pa Phrao Nok community, several houses flooded; a bedridden elderly resident "
            "needs a boat to move out", "hotline", (("water_depth", "knee"),), ("บุญเรือน อินทร์แก้ว", "081-442-7315"),
            steps=(14,)),
    _Report(250, "flooding", "dispatched", "P1", 18.7905, 99.0046, "ถนนเจริญราษฎร์ หน้าวัดเกตการาม",
            "Charoenrat Road at Wat Ket Karam", "50000", "น้ำล้นตลิ่งข้ามถนนเจริญราษฎร์ ร้านค้าริมน้ำเริ่มจม",
            "River overtopping onto Charoenrat Road, riverside shops going under", "patrol",
            (("water_depth", "knee"),), assignee="wichai.s", steps=(6, 22)),
    _Report(180, "flooding", "on_scene", "P2", 18.7903, 99.0012, "ตลาดต้นลำไย ริมน้ำปิง", "Ton Lamyai market on the Ping",
            "50000", "น้ำเข้าตลาดต้นลำไย แม่ค้าขนของไม่ทัน ขอกระสอบทราย",
            "Water entering Ton Lamyai market, vendors cannot move their stock in time; sandbags needed", "walk_in",
            (("water_depth", "ankle"),), ("มาลี ศรีสุข", "089-615-2048"), assignee="nattaya.p", steps=(9, 25, 40)),
    _Report(95, "flooding", "new", "P1", 18.7855, 98.9997, "ถนนช้างคลาน หน้าไนท์บาซาร์",
            "Chang Khlan Road at the Night Bazaar", "50100", "น้ำท่วมถนนช้างคลานหน้าไนท์บาซาร์ ระดับน้ำสูงขึ้นเรื่อย ๆ รถเล็กผ่านไม่ได้",
            "Chang Khlan Road flooded in front of the Night Bazaar, water still rising, small cars cannot pass",
            "citizen_app", (("water_depth", "knee"),), ("Anan Chaiyasit", "086-230-9917")),
    _Report(40, "safety", "new", "P1", 18.7838, 99.0027, "ขัวเหล็ก (สะพานเหล็ก)", "Khua Lek iron footbridge", "50000",
            "กระแสน้ำแรงมาก มีคนเดินขึ้นขัวเหล็กเพื่อถ่ายรูป ขอเจ้าหน้าที่ปิดสะพาน",
            "Very strong current, people walking onto the iron footbridge to take photos; please close the bridge",
            "hotline", (), ("ประเสริฐ วงศ์คำ", "084-771-5502")),
    _Report(150, "flooding", "new", "P2", 18.7050, 99.0320, "ถนนเชียงใหม่–ลำพูน ช่วงอำเภอสารภี",
            "Chiang Mai–Lamphun road at Saraphi", "50140", "น้ำเอ่อท่วมถนนใต้ต้นยางนา รถติดยาว",
            "Water across the road under the yang-na trees, long traffic queue", "citizen_app",
            (("water_depth", "ankle"),), ("กมลวรรณ ปัญญา", "082-904-3371")),
    _Report(300, "flooding", "acknowledged", "P2", 19.0050, 98.9650, "บ้านแม่แต ต.แม่แฝก อ.สันทราย",
            "Ban Mae Tae, Mae Faek, San Sai", "50290",
            "น้ำปิงเอ่อเข้าทุ่งนาและถนนในหมู่บ้าน ชาวบ้านย้ายวัวควายขึ้นที่สูง",
            "The Ping has spilled into the paddies and village roads; villagers moving cattle to high ground",
            "hotline", (("water_depth", "knee"),), ("ทองใบ คำมูล", "087-118-6624"), steps=(31,)),
    _Report(70, "tree", "new", "P2", 18.7560, 98.9380, "ถนนคลองชลประทาน ต.หนองควาย อ.หางดง",
            "Irrigation canal road, Nong Khwai, Hang Dong", "50230", "ต้นไม้ใหญ่ล้มขวางถนนหลังพายุ สายไฟขาด",
            "Large tree down across the road after the storm, a power line is broken", "patrol"),
    _Report(1500, "open_burning", "acknowledged", "P2", 18.6200, 98.8900, "ทุ่งนา ต.ยุหว่า อ.สันป่าตอง",
            "Paddy fields, Yu Wa, San Pa Tong", "50120", "เผาตอซังข้าวหลายแปลง ควันลอยเข้าชุมชน",
            "Rice stubble burning in several fields, smoke drifting into the village", "citizen_app",
            (("burning_type", "crop"),), ("สมศรี ใจดี", "085-337-4120"), steps=(55,)),
    _Report(430, "forest_fire", "dispatched", "P1", 18.5000, 98.3600, "ดอยเหนือบ้านท่าผา อ.แม่แจ่ม",
            "Hillside above Ban Tha Pha, Mae Chaem", "50270", "ไฟป่าลุกลามบนดอยใกล้หมู่บ้าน ลมแรง เปลวไฟสูง",
            "Forest fire spreading on the hill near the village, strong wind, tall flames", "hotline",
            (("fire_size", "large"),), ("ศรีนวล ใจมา", "083-560-2291"), assignee="arthit.m", steps=(11, 34)),
    _Report(280, "forest_fire", "acknowledged", "P1", 18.8050, 98.9300, "อุทยานแห่งชาติดอยสุเทพ–ปุย หลังมหาวิทยาลัยเชียงใหม่",
            "Doi Suthep–Pui National Park above Chiang Mai University", "50200",
            "เห็นแนวไฟบนดอยสุเทพด้านหลังมหาวิทยาลัย ควันลงมาถึงถนนห้วยแก้ว",
            "Fire line visible on Doi Suthep behind the university, smoke reaching Huay Kaew Road", "citizen_app",
            (("fire_size", "medium"),), ("John Miller", "080-212-7768"), steps=(18,)),
    _Report(110, "forest_fire", "new", "P1", 17.7960, 98.3100, "บ้านนาเกียน อ.อมก๋อย", "Ban Na Kian, Omkoi", "50310",
            "จุดความร้อนจากดาวเทียมต่อเนื่องสามรอบ ติดหมู่บ้าน", "Satellite hotspots on three passes in a row next to "
            "the village", "sensor", (("fire_size", "medium"),)),
    _Report(200, "smoke", "new", "P2", 18.1930, 98.6110, "โรงเรียนฮอดพิทยาคม อ.ฮอด", "Hot Phitthayakhom School, Hot",
            "50240", "ควันหนาแน่นทั้งวัน นักเรียนไอและแสบตา โรงเรียนขอหน้ากาก N95",
            "Thick smoke all day, pupils coughing with sore eyes; the school asks for N95 masks", "walk_in", (),
            ("มาลี ศรีสุข", "081-905-6643")),
    _Report(1900, "smoke", "on_hold", "P3", 19.9200, 99.2100, "ตลาดเทศบาลฝาง", "Fang municipal market", "50110",
            "ฝุ่นควันปกคลุมตลาด มองเห็นไม่เกิน 500 เมตร", "Haze over the market, visibility under 500 m",
            "citizen_app", (), ("Anan Chaiyasit", "086-230-9917"), assignee="ploy.t", steps=(40, 90, 30)),
    _Report(1200, "forest_fire", "resolved", "P1", 19.4000, 98.8600, "ดอยหลวงเชียงดาว", "Doi Luang Chiang Dao",
            "50170", "ไฟป่าไหม้ลามขึ้นดอยหลวงเชียงดาว", "Forest fire climbing Doi Luang Chiang Dao", "hotline",
            (("fire_size", "large"),), ("ประเสริฐ วงศ์คำ", "084-771-5502"), assignee="somchai.k",
            steps=(9, 20, 95, 410)),
    _Report(2600, "forest_fire", "closed", "P2", 18.9000, 98.6600, "ป่าชุมชนบ้านสะเมิงใต้", "Community forest, Samoeng Tai",
            "50250", "ไฟไหม้ป่าชุมชน ชาวบ้านช่วยกันทำแนวกันไฟ", "Fire in the community forest, villagers cutting a "
            "firebreak", "patrol", (("fire_size", "small"),), assignee="ploy.t", steps=(12, 30, 70, 180, 600)),
)


def _drafts(start: datetime) -> list[Draft]:
    drafts = []
    for report in _REPORTS:
        if len(report.steps) != len(SEED_PATHS[report.state]):
            raise ValueError(f"{report.place_en}: {report.state} takes {len(SEED_PATHS[report.state])} steps")
        name, contact = report.reporter or (None, None)
        address = f"{report.place_th} ({report.place_en}), Chiang Mai {report.zipcode}"
        requested = (start - timedelta(minutes=report.minutes_before)).replace(microsecond=0)
        drafts.append(Draft(
            service_code=report.service_code, description=f"{report.text_th} / {report.text_en}",
            lat=report.lat, lon=report.lon, address=address, zipcode=report.zipcode, requested_at=requested,
            priority=report.priority, workflow_state=report.state, assignee=report.assignee,
            attributes=dict(report.attributes), source=report.source, reporter_name=name, reporter_contact=contact,
            step_minutes=report.steps))
    return drafts


def haze_flood_world(start: datetime) -> ScenarioWorld:
    """The scenario's world for a simulator starting at ``start``. The seed shapes only the seeded background (the
    other incidents, the hour-to-hour noise, where fires are detected); the scenario's own storms, haze levels and
    reports are the same for every seed."""
    first_fire = start.date() - timedelta(days=FIRE_DAYS[0])
    last_fire = start.date() + timedelta(days=FIRE_DAYS[1])

    season = season_fire_activity(start)

    def fire_activity(day: date) -> float | None:
        return FIRE_ACTIVITY if first_fire <= day <= last_fire else season(day)

    return ScenarioWorld(
        name="haze-flood",
        haze=HazeEpisode(haze_levels(CHIANG_MAI_PM25, NEIGHBOUR_PM25), start - HAZE_FULL[0], start + HAZE_FULL[1],
                         HAZE_RAMP),
        flood=FloodCrest("P.1", P1_LEVEL_M, start, FLOOD_STORMS,
                         (start - WEATHER_WINDOW[0], start + WEATHER_WINDOW[1])),
        fire_activity=fire_activity,
        fire_fronts=(FireFront("doi-suthep", *DOI_SUTHEP_FIRE, start - DOI_SUTHEP_DAYS[0],
                               start + DOI_SUTHEP_DAYS[1]),),
        incidents=_drafts(start),
    )
