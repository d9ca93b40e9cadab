"""A sample Hong Kong directory, as HSDS 3.0 documents, for demos, screenshots and tests.

Every organisation here is invented and says so: names end in " (sample)" (and the Chinese
equivalent), and descriptions start with "Sample listing — " or its Chinese equivalent. Streets,
neighbourhoods and MTR exits are real, so that maps, distances and opening hours behave as they
would with live data; phone numbers (+852 3000 ....) and e-mail addresses (example.org) are not.

`sample_directory()` returns organisation documents with their services nested, in the form that
`harbour_directory.hsds.ingest` reads. The bulk is generated from three small tables (places,
service templates, organisations), with randomness seeded per record so that every call gives the
same output. A few hand-placed services around Chungking Mansions back the search tests; their ids
are in `FIXTURES`, and the women's refuge's confidential location is `CONFIDENTIAL_LOCATION_ID`.
"""

# Chinese text uses full-width punctuation and the hours use en dashes, on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import copy
import math
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

NAMESPACE = uuid.UUID("8d3c5a41-6f0e-4b2a-9c7d-1e5f2a9b6c04")

CHUNGKING_MANSIONS = (22.29630, 114.17220)
# The search tests expect exactly two free Urdu legal services open on a Tuesday morning within
# 2 km of Chungking Mansions. Generated legal services closer than this drop Urdu to keep it so.
_CLEAR_OF_CHUNGKING_M = 3000.0

_WEEKDAYS = "MO,TU,WE,TH,FR"
_EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def _rng(*parts: str) -> random.Random:
    """A generator seeded by a stable key: the same record always gets the same choices."""
    return random.Random(":".join(parts))  # noqa: S311 - sample data, not security


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


# --- places ---------------------------------------------------------------------------------

_REGIONS = {
    "hk": ("Hong Kong Island", "香港島"),
    "kln": ("Kowloon", "九龍"),
    "nt": ("New Territories", "新界"),
}

_DISTRICTS: dict[str, tuple[str, str, str]] = {
    "central-and-western": ("Central and Western", "中西區", "hk"),
    "wan-chai": ("Wan Chai", "灣仔", "hk"),
    "eastern": ("Eastern", "東區", "hk"),
    "southern": ("Southern", "南區", "hk"),
    "yau-tsim-mong": ("Yau Tsim Mong", "油尖旺", "kln"),
    "sham-shui-po": ("Sham Shui Po", "深水埗", "kln"),
    "kowloon-city": ("Kowloon City", "九龍城", "kln"),
    "wong-tai-sin": ("Wong Tai Sin", "黃大仙", "kln"),
    "kwun-tong": ("Kwun Tong", "觀塘", "kln"),
    "kwai-tsing": ("Kwai Tsing", "葵青", "nt"),
    "tsuen-wan": ("Tsuen Wan", "荃灣", "nt"),
    "tuen-mun": ("Tuen Mun", "屯門", "nt"),
    "yuen-long": ("Yuen Long", "元朗", "nt"),
    "north": ("North", "北區", "nt"),
    "tai-po": ("Tai Po", "大埔", "nt"),
    "sha-tin": ("Sha Tin", "沙田", "nt"),
    "sai-kung": ("Sai Kung", "西貢", "nt"),
    "islands": ("Islands", "離島", "nt"),
}


@dataclass(frozen=True, slots=True)
class _Site:
    """A real street in a real neighbourhood where sample offices are placed."""

    key: str
    district: str
    area_en: str
    area_zh: str
    street_en: str
    street_zh: str
    lat: float
    lng: float
    transport_en: str
    transport_zh: str


def _mtr(station_en: str, station_zh: str, exit_: str, minutes: int) -> tuple[str, str]:
    return (
        f"MTR {station_en} Station, exit {exit_}, {minutes} minutes' walk",
        f"港鐵{station_zh}站{exit_}出口，步行約{minutes}分鐘",
    )


_SAFE_HOUSE_WAY = (
    "The address is given once a place is confirmed; staff meet new arrivals at the MTR station.",
    "確認入住後才會提供地址；職員會在港鐵站接應新入住人士。",
)

# key, district, area (en, zh), street (en, zh), latitude, longitude, how to get there (en, zh)
_Row = tuple[str, str, str, str, str, str, float, float, tuple[str, str]]
# fmt: off
_SITE_ROWS: list[_Row] = [
    ("central", "central-and-western", "Central", "中環", "Wellington Street", "威靈頓街",
     22.28230, 114.15540, _mtr("Central", "中環", "D2", 5)),
    ("sheung-wan", "central-and-western", "Sheung Wan", "上環", "Bonham Strand", "文咸東街",
     22.28600, 114.15130, _mtr("Sheung Wan", "上環", "A2", 3)),
    ("sai-ying-pun", "central-and-western", "Sai Ying Pun", "西營盤",
     "Des Voeux Road West", "德輔道西",
     22.28740, 114.14250, _mtr("Sai Ying Pun", "西營盤", "B2", 2)),
    ("wan-chai", "wan-chai", "Wan Chai", "灣仔", "Hennessy Road", "軒尼詩道",
     22.27760, 114.17250, _mtr("Wan Chai", "灣仔", "A3", 3)),
    ("causeway-bay", "wan-chai", "Causeway Bay", "銅鑼灣", "Lockhart Road", "駱克道",
     22.27950, 114.18150, _mtr("Causeway Bay", "銅鑼灣", "C", 4)),
    ("north-point", "eastern", "North Point", "北角", "King's Road", "英皇道",
     22.29130, 114.20020, _mtr("North Point", "北角", "A1", 3)),
    ("quarry-bay", "eastern", "Quarry Bay", "鰂魚涌", "King's Road", "英皇道",
     22.28760, 114.21050, _mtr("Quarry Bay", "鰂魚涌", "C", 4)),
    ("shau-kei-wan", "eastern", "Shau Kei Wan", "筲箕灣",
     "Shau Kei Wan Main Street East", "筲箕灣東大街",
     22.27880, 114.22900, _mtr("Shau Kei Wan", "筲箕灣", "B1", 5)),
    ("chai-wan", "eastern", "Chai Wan", "柴灣", "Lee Chung Street", "利眾街",
     22.26570, 114.23950, _mtr("Chai Wan", "柴灣", "A", 6)),
    ("aberdeen", "southern", "Aberdeen", "香港仔", "Aberdeen Main Road", "香港仔大道",
     22.24880, 114.15420,
     ("Buses from Central or Causeway Bay to Aberdeen; 3 minutes' walk from the bus terminus",
      "由中環或銅鑼灣乘巴士往香港仔，於香港仔巴士總站步行約3分鐘")),
    ("ap-lei-chau", "southern", "Ap Lei Chau", "鴨脷洲", "Ap Lei Chau Main Street", "鴨脷洲大街",
     22.24470, 114.15380, _mtr("Lei Tung", "利東", "B", 7)),
    ("wong-chuk-hang", "southern", "Wong Chuk Hang", "黃竹坑",
     "Wong Chuk Hang Road", "黃竹坑道",
     22.24800, 114.16850, _mtr("Wong Chuk Hang", "黃竹坑", "B", 4)),
    ("chungking", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Nathan Road", "彌敦道",
     22.29630, 114.17220, _mtr("Tsim Sha Tsui", "尖沙咀", "D1", 2)),
    ("jordan-temple", "yau-tsim-mong", "Jordan", "佐敦", "Temple Street", "廟街",
     22.30650, 114.17000, _mtr("Jordan", "佐敦", "A", 4)),
    ("yau-ma-tei", "yau-tsim-mong", "Yau Ma Tei", "油麻地", "Reclamation Street", "新填地街",
     22.31100, 114.16960, _mtr("Yau Ma Tei", "油麻地", "C", 4)),
    ("mong-kok", "yau-tsim-mong", "Mong Kok", "旺角",
     "Sai Yeung Choi Street South", "西洋菜南街",
     22.31800, 114.17030, _mtr("Mong Kok", "旺角", "E2", 3)),
    ("sham-shui-po", "sham-shui-po", "Sham Shui Po", "深水埗", "Pei Ho Street", "北河街",
     22.32950, 114.16260, _mtr("Sham Shui Po", "深水埗", "B2", 3)),
    ("cheung-sha-wan", "sham-shui-po", "Cheung Sha Wan", "長沙灣",
     "Cheung Sha Wan Road", "長沙灣道",
     22.33520, 114.15600, _mtr("Cheung Sha Wan", "長沙灣", "A3", 2)),
    ("shek-kip-mei", "sham-shui-po", "Shek Kip Mei", "石硤尾", "Nam Cheong Street", "南昌街",
     22.33300, 114.16720, _mtr("Shek Kip Mei", "石硤尾", "C", 4)),
    ("to-kwa-wan", "kowloon-city", "To Kwa Wan", "土瓜灣", "Ma Tau Wai Road", "馬頭圍道",
     22.31650, 114.18700, _mtr("To Kwa Wan", "土瓜灣", "A", 3)),
    ("hung-hom", "kowloon-city", "Hung Hom", "紅磡", "Wuhu Street", "蕪湖街",
     22.30700, 114.18700, _mtr("Whampoa", "黃埔", "A", 4)),
    ("kowloon-city", "kowloon-city", "Kowloon City", "九龍城", "Nga Tsin Wai Road", "衙前圍道",
     22.33000, 114.19100, _mtr("Sung Wong Toi", "宋皇臺", "B3", 8)),
    ("wong-tai-sin", "wong-tai-sin", "Wong Tai Sin", "黃大仙", "Ching Tak Street", "正德街",
     22.34180, 114.19500, _mtr("Wong Tai Sin", "黃大仙", "B3", 4)),
    ("diamond-hill", "wong-tai-sin", "Diamond Hill", "鑽石山", "Lung Poon Street", "龍蟠街",
     22.34000, 114.20250, _mtr("Diamond Hill", "鑽石山", "A2", 3)),
    ("san-po-kong", "wong-tai-sin", "San Po Kong", "新蒲崗", "Tai Yau Street", "大有街",
     22.33580, 114.19750, _mtr("Diamond Hill", "鑽石山", "C2", 10)),
    ("kwun-tong", "kwun-tong", "Kwun Tong", "觀塘", "Hoi Yuen Road", "開源道",
     22.31050, 114.22300, _mtr("Kwun Tong", "觀塘", "A2", 8)),
    ("ngau-tau-kok", "kwun-tong", "Ngau Tau Kok", "牛頭角", "Ting On Street", "定安街",
     22.31500, 114.21980, _mtr("Ngau Tau Kok", "牛頭角", "B", 4)),
    ("kowloon-bay", "kwun-tong", "Kowloon Bay", "九龍灣", "Wang Chiu Road", "宏照道",
     22.32400, 114.21100, _mtr("Kowloon Bay", "九龍灣", "A", 6)),
    ("lam-tin", "kwun-tong", "Lam Tin", "藍田", "Kai Tin Road", "啟田道",
     22.30700, 114.23400, _mtr("Lam Tin", "藍田", "C", 5)),
    ("kwai-fong", "kwai-tsing", "Kwai Fong", "葵芳", "Hing Fong Road", "興芳路",
     22.35720, 114.12900, _mtr("Kwai Fong", "葵芳", "C", 3)),
    ("kwai-chung", "kwai-tsing", "Kwai Chung", "葵涌", "Tai Lin Pai Road", "大連排道",
     22.36500, 114.13500, _mtr("Kwai Hing", "葵興", "E", 6)),
    ("tsing-yi", "kwai-tsing", "Tsing Yi", "青衣", "Tsing Luk Street", "青綠街",
     22.35790, 114.10560, _mtr("Tsing Yi", "青衣", "A1", 6)),
    ("tsuen-wan", "tsuen-wan", "Tsuen Wan", "荃灣", "Sha Tsui Road", "沙咀道",
     22.37020, 114.11600, _mtr("Tsuen Wan", "荃灣", "B1", 7)),
    ("tsuen-wan-west", "tsuen-wan", "Tsuen Wan West", "荃灣西", "Yeung Uk Road", "楊屋道",
     22.36950, 114.11100, _mtr("Tsuen Wan West", "荃灣西", "C", 4)),
    ("tuen-mun", "tuen-mun", "Tuen Mun", "屯門",
     "Tuen Mun Heung Sze Wui Road", "屯門鄉事會路",
     22.39270, 113.97550, _mtr("Tuen Mun", "屯門", "B", 5)),
    ("siu-hong", "tuen-mun", "Siu Hong", "兆康", "Tsing Lun Road", "青麟路",
     22.41150, 113.97700, _mtr("Siu Hong", "兆康", "D", 4)),
    ("yuen-long", "yuen-long", "Yuen Long", "元朗", "Kau Yuk Road", "教育路",
     22.44400, 114.02700,
     ("Light Rail Tai Tong Road stop, 3 minutes' walk; MTR Yuen Long Station, 10 minutes' walk",
      "輕鐵大棠路站步行約3分鐘；港鐵元朗站步行約10分鐘")),
    ("tin-shui-wai", "yuen-long", "Tin Shui Wai", "天水圍", "Tin Shui Road", "天瑞路",
     22.45450, 114.00250, ("Light Rail Tin Shui stop, 2 minutes' walk", "輕鐵天瑞站步行約2分鐘")),
    ("sheung-shui", "north", "Sheung Shui", "上水", "San Hong Street", "新康街",
     22.50350, 114.12700, _mtr("Sheung Shui", "上水", "A2", 5)),
    ("fanling", "north", "Fanling", "粉嶺", "San Wan Road", "新運路",
     22.49570, 114.13880, _mtr("Fanling", "粉嶺", "A2", 8)),
    ("tai-po-market", "tai-po", "Tai Po", "大埔", "On Fu Road", "安富道",
     22.44950, 114.16550, _mtr("Tai Po Market", "大埔墟", "A3", 10)),
    ("tai-wo", "tai-po", "Tai Wo", "太和", "Tai Wo Road", "太和路",
     22.45020, 114.16120, _mtr("Tai Wo", "太和", "A", 2)),
    ("sha-tin", "sha-tin", "Sha Tin", "沙田", "Sha Tin Centre Street", "沙田正街",
     22.38100, 114.18850, _mtr("Sha Tin", "沙田", "A", 5)),
    ("ma-on-shan", "sha-tin", "Ma On Shan", "馬鞍山", "On Chun Street", "鞍駿街",
     22.42600, 114.23200, _mtr("Ma On Shan", "馬鞍山", "B", 4)),
    ("fo-tan", "sha-tin", "Fo Tan", "火炭", "Au Pui Wan Street", "坳背灣街",
     22.39800, 114.19600, _mtr("Fo Tan", "火炭", "B", 7)),
    ("tseung-kwan-o", "sai-kung", "Tseung Kwan O", "將軍澳", "Tong Ming Street", "唐明街",
     22.30800, 114.25950, _mtr("Tseung Kwan O", "將軍澳", "B1", 4)),
    ("hang-hau", "sai-kung", "Hang Hau", "坑口", "Hang Hau Road", "坑口道",
     22.31600, 114.26500, _mtr("Hang Hau", "坑口", "B1", 3)),
    ("sai-kung-town", "sai-kung", "Sai Kung", "西貢", "Po Tung Road", "普通道",
     22.38180, 114.27100,
     ("Bus 92 from Diamond Hill or green minibus 1A from Choi Hung to Sai Kung town",
      "由鑽石山乘92號巴士或由彩虹乘1A號專線小巴往西貢市中心")),
    ("tung-chung", "islands", "Tung Chung", "東涌", "Tat Tung Road", "達東路",
     22.28900, 113.94200, _mtr("Tung Chung", "東涌", "B", 3)),
    ("mui-wo", "islands", "Mui Wo", "梅窩", "Mui Wo Ferry Pier Road", "梅窩碼頭路",
     22.26500, 114.00000,
     ("Ferry from Central Pier 6 to Mui Wo, then 3 minutes' walk from the pier",
      "由中環六號碼頭乘渡輪往梅窩，下船後步行約3分鐘")),
    # Hand-placed points for the search tests, used exactly as given.
    ("fx-cameron", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Cameron Road", "金馬倫道",
     22.29830, 114.17300, _mtr("Tsim Sha Tsui", "尖沙咀", "B2", 3)),
    ("fx-jordan", "yau-tsim-mong", "Jordan", "佐敦", "Nathan Road", "彌敦道",
     22.30420, 114.17190, _mtr("Jordan", "佐敦", "C2", 3)),
    ("fx-kimberley", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Kimberley Road", "金巴利道",
     22.29990, 114.17280, _mtr("Tsim Sha Tsui", "尖沙咀", "B1", 4)),
    ("fx-mody", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Mody Road", "麼地道",
     22.29650, 114.17510, _mtr("East Tsim Sha Tsui", "尖東", "N2", 3)),
    ("fx-ashley", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Ashley Road", "亞士厘道",
     22.29520, 114.17080, _mtr("Tsim Sha Tsui", "尖沙咀", "A1", 4)),
    ("fx-clinic", "yau-tsim-mong", "Tsim Sha Tsui", "尖沙咀", "Nathan Road", "彌敦道",
     22.29760, 114.17180, _mtr("Tsim Sha Tsui", "尖沙咀", "D2", 2)),
    ("fx-sha-tin", "sha-tin", "Sha Tin", "沙田", "Sha Tin Centre Street", "沙田正街",
     22.38180, 114.18780, _mtr("Sha Tin", "沙田", "A3", 5)),
    # Safe houses: confidential; the address and point are shown only to signed-in referrers.
    ("fx-refuge", "sham-shui-po", "Sham Shui Po", "深水埗", "Fuk Wa Street", "福華街",
     22.33187, 114.16043, _SAFE_HOUSE_WAY),
    ("kt-safe-house", "kwun-tong", "Kwun Tong", "觀塘", "Mut Wah Street", "物華街",
     22.31262, 114.22487, _SAFE_HOUSE_WAY),
]
# fmt: on

_SITES: dict[str, _Site] = {
    row[0]: _Site(*row[:8], transport_en=row[8][0], transport_zh=row[8][1]) for row in _SITE_ROWS
}
_EXACT = frozenset(k for k in _SITES if k.startswith("fx-") or k in {"chungking", "kt-safe-house"})
_CONFIDENTIAL = frozenset({"fx-refuge", "kt-safe-house"})
_NUMBERS = {"chungking": "36-44", "fx-cameron": "32", "fx-jordan": "248", "fx-refuge": "61"}

_LOCATION_NOTES = (
    ("Reception is opposite the lift on the floor shown.", "接待處位於所示樓層電梯對面。"),
    ("Use the side entrance beside the pharmacy.", "請使用藥房旁的側門進入。"),
    (
        "The centre shares the floor with a church hall; follow the signs.",
        "中心與教會禮堂同層，請依指示前往。",
    ),
    (
        "Ring the bell at the metal gate and staff will let you in.",
        "請按鐵閘門鐘，職員會為你開門。",
    ),
)

# --- services -------------------------------------------------------------------------------

_LANGUAGE_NAMES = {
    "en": "English", "yue": "Cantonese", "zh-Hant": "Chinese (written, Traditional)",
    "cmn": "Mandarin", "ur": "Urdu", "bn": "Bengali", "hi": "Hindi", "ne": "Nepali",
    "pa": "Punjabi", "ar": "Arabic", "fa": "Persian", "fr": "French", "so": "Somali",
    "sw": "Swahili", "am": "Amharic", "ta": "Tamil", "si": "Sinhala", "vi": "Vietnamese",
    "id": "Indonesian", "tl": "Tagalog", "es": "Spanish", "rw": "Kinyarwanda",
}  # fmt: skip
# Roughly how often claimants in Hong Kong speak each language (weights, not shares).
_CLAIMANT_LANGUAGES = {
    "ur": 10, "bn": 7, "hi": 6, "ne": 5, "pa": 5, "ar": 5, "fr": 5, "so": 4, "sw": 4,
    "si": 3, "vi": 3, "fa": 2, "am": 2, "ta": 2, "id": 2, "tl": 2, "rw": 2, "es": 1,
}  # fmt: skip

_HOURS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "office": ((_WEEKDAYS, "09:30", "17:30"),),
    "long": ((_WEEKDAYS, "09:00", "18:00"),),
    "ten-six": ((_WEEKDAYS, "10:00", "18:00"),),
    "split": ((_WEEKDAYS, "09:00", "13:00"), (_WEEKDAYS, "14:00", "18:00")),
    "split-tue-thu": (("TU,TH", "09:30", "13:00"), ("TU,TH", "14:00", "17:30")),
    "mwf": (("MO,WE,FR", "10:00", "16:00"),),
    "tue-sat": (("TU,WE,TH,FR,SA", "10:00", "19:00"),),
    "office-sat": ((_WEEKDAYS, "09:00", "17:00"), ("SA", "09:00", "13:00")),
    "evenings": (("MO,TU,WE,TH", "18:30", "21:30"),),
    "saturday": (("SA", "10:00", "16:00"),),
    "weekend": (("SA,SU", "10:00", "17:00"),),
    "lunch": ((_WEEKDAYS, "12:00", "14:00"), ("SA", "12:00", "13:30")),
    "breakfast": ((_WEEKDAYS, "07:15", "08:30"),),
    "after-school": ((_WEEKDAYS, "15:30", "18:30"),),
    "night": ((_EVERY_DAY, "19:00", "08:00"),),
    "24h": ((_EVERY_DAY, "00:00", "00:00"),),
}
_ROUND_THE_CLOCK = frozenset({"night", "24h"})

_DOCS = {
    "recognizance": ("Recognizance form", "擔保書（俗稱「行街紙」）"),
    "letters": (
        "Letters from the Immigration Department or the appeal board",
        "入境事務處或上訴委員會的信件",
    ),
    "medical": ("Medical records or hospital letters, if any", "醫療紀錄或醫院信件（如有）"),
    "birth": ("Child's birth certificate or birth record", "子女的出生證明書或出生紀錄"),
    "referral": ("Referral letter from a caseworker or doctor", "個案工作員或醫生的轉介信"),
    "tenancy": ("Tenancy agreement", "租約"),
    "hkid": ("Hong Kong identity card of the family member applying", "申請人家庭成員的香港身份證"),
    "appointment": ("Appointment letter or notice", "會面通知書或信件"),
}

# method → how to apply (en, zh), what a referrer should do
_METHODS = {
    "harbour": (
        "Ask your caseworker or any Harbour partner to send a referral.",
        "請個案工作員或任何 Harbour 合作機構為你轉介。",
        "Send a Harbour referral with the client's preferred language and any coming"
        " immigration or court dates.",
    ),
    "phone": (
        "Call during opening hours to book a first appointment.",
        "請於辦公時間內致電預約首次面談。",
        "Phone the intake line; with the client's consent, have their recognizance number ready.",
    ),
    "email": (
        "E-mail your name, phone number and preferred language and we will call you back.",
        "請電郵提供姓名、電話及慣用語言，我們會回電聯絡。",
        "E-mail a short summary and confirm that the client agrees to the referral.",
    ),
    "walk-in": (
        "Come during opening hours; no appointment needed.",
        "開放時間內直接前來，毋須預約。",
        "No referral needed: clients can come in during opening hours.",
    ),
}

_STATUSES = {
    "non-refoulement-claimant": ("non-refoulement claimants", "免遣返聲請人"),
    "recognised-refugee": ("recognised refugees", "已確認難民"),
    "rejected-claimant": ("people whose claims were rejected", "聲請被拒人士"),
    "hk-resident": ("Hong Kong residents", "香港居民"),
}

_OFFICE_HOURS = ("office", "split", "long", "ten-six", "office-sat")
_ANY_METHOD = ("harbour", "harbour", "phone", "email", "walk-in")


@dataclass(frozen=True, slots=True)
class _Template:
    """A kind of service; organisations offer several, each becoming one HSDS service."""

    key: str
    categories: tuple[str, ...]
    en: str
    zh: str
    about_en: str
    about_zh: str
    hours: tuple[str, ...] = _OFFICE_HOURS
    methods: tuple[str, ...] = _ANY_METHOD
    docs: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    gender: str | None = None
    immigration: tuple[tuple[str, str], ...] | None = None  # None: drawn at random
    fee: int = 0  # > 0: paid only, no free option
    others_fee: int = 0  # > 0: free for people seeking protection, this fee for others
    safe_house: bool = False


def _t(
    key: str, categories: str, en: str, zh: str, about_en: str, about_zh: str, **extra: Any
) -> _Template:
    return _Template(key, tuple(categories.split()), en, zh, about_en, about_zh, **extra)


_CASEWORK = ("harbour", "harbour", "phone", "email")
# fmt: off
_TEMPLATES: dict[str, _Template] = {t.key: t for t in (
    # legal
    _t("legal_claim", "legal.protection-claim",
       "Non-refoulement claim advice", "免遣返聲請法律諮詢",
       "One-to-one help from a lawyer or trained caseworker to prepare the claim form,"
       " the screening interview and any appeal.",
       "由律師或受訓個案工作員一對一協助填寫聲請表格、準備審核會面及提出上訴。",
       hours=("office", "split", "ten-six"), methods=_CASEWORK, docs=("recognizance", "letters")),
    _t("legal_appeal", "legal.protection-claim",
       "Appeals and judicial review", "上訴及司法覆核支援",
       "Help with appeals to the appeal board and with applying for leave for judicial review,"
       " including referral to duty lawyers.",
       "協助向上訴委員會提出上訴及申請司法覆核許可，並可轉介當值律師。",
       hours=("office", "split"), methods=_CASEWORK, docs=("recognizance", "letters")),
    _t("legal_detention", "legal.detention",
       "Detention visits and bail support", "羈留探訪及擔保支援",
       "Visits to people held in immigration detention, and help applying for release on"
       " recognizance and finding a surety.",
       "探訪被入境事務處羈留的人士，協助申請擔保外出及尋找擔保人。",
       hours=("split-tue-thu", "office", "mwf"), methods=("harbour", "phone")),
    _t("legal_documents", "legal.documents",
       "Identity and civil documents clinic", "身份及民事文件診所",
       "Help with birth registration, marriage records, renewing a recognizance and letters"
       " to consulates.",
       "協助辦理出生登記、婚姻紀錄、續期擔保書及向領事館索取文件。",
       hours=("office", "mwf", "tue-sat"), docs=("recognizance",)),
    _t("legal_know_rights", "legal education",
       "Know-your-rights workshops", "認識你的權利工作坊",
       "Small-group sessions on the screening process, what to do if stopped by the police"
       " and how to keep a recognizance valid.",
       "小組講座，講解審核程序、被警方截查時應如何應對，以及如何保持擔保書有效。",
       hours=("evenings", "saturday", "mwf"), methods=("walk-in", "harbour")),
    _t("legal_drop_in", "legal",
       "Legal advice drop-in", "法律諮詢站",
       "Short consultations with a volunteer lawyer on any legal worry: the police,"
       " a landlord, debts or the claim itself.",
       "義務律師簡短解答各類法律疑問，包括警方、業主、債務或聲請本身的問題。",
       hours=("long", "office"), methods=("walk-in", "harbour")),
    _t("legal_saturday", "legal",
       "Saturday legal clinic", "星期六法律診所",
       "A weekend clinic for people who cannot come on weekdays; first come, first served.",
       "為平日未能前來的人士而設的週末診所，先到先得。",
       hours=("saturday",), methods=("walk-in",)),
    _t("legal_general", "legal",
       "General legal advice", "一般法律意見",
       "Advice in English and Cantonese on immigration paperwork, police matters and"
       " everyday legal problems.",
       "以英語及廣東話就入境文件、警方事宜及日常法律問題提供意見。",
       hours=("long",)),
    _t("legal_private", "legal",
       "Private immigration consultation", "私人入境事務諮詢",
       "A paid one-hour meeting with a solicitor about a claim, an appeal or another"
       " immigration matter.",
       "與律師進行一小時的收費會面，商討聲請、上訴或其他入境事宜。",
       hours=("long",), methods=("phone", "email"), fee=300),
    # medical
    _t("med_gp", "medical.primary-care",
       "General clinic", "普通科門診",
       "Doctor consultations for everyday illnesses, with basic medicines dispensed on site.",
       "為一般疾病提供醫生診症，並即場配發基本藥物。",
       hours=("office", "split", "tue-sat", "evenings"), methods=("walk-in", "harbour", "phone"),
       docs=("recognizance",)),
    _t("med_chronic", "medical.primary-care",
       "Chronic illness follow-up", "長期病患跟進",
       "Regular reviews for diabetes, high blood pressure and asthma, and help applying for"
       " a medical fee waiver at public hospitals.",
       "為糖尿病、高血壓及哮喘患者定期覆診，並協助申請公立醫院醫療費用減免。",
       docs=("medical",)),
    _t("med_srh", "medical.sexual-reproductive",
       "Women's health and antenatal care", "婦女健康及產前檢查",
       "Antenatal check-ups, contraception and cervical screening, and help registering for"
       " public maternity care.",
       "提供產前檢查、避孕服務及子宮頸檢查，並協助登記公營產科服務。",
       gender="female"),
    _t("med_torture", "medical.torture-documentation",
       "Medical reports for torture survivors", "酷刑倖存者醫學報告",
       "Doctors trained in the Istanbul Protocol examine survivors and write reports that"
       " can support a claim.",
       "受過《伊斯坦堡議定書》訓練的醫生為倖存者作身體檢查，"
       "並撰寫可支持聲請的醫學報告。",
       methods=("harbour", "email"), docs=("medical", "referral"), min_age=18),
    _t("med_mobile", "medical.primary-care",
       "Mobile health van", "流動醫療車",
       "A nurse-led van that visits the neighbourhood for blood pressure and blood sugar"
       " checks and health advice.",
       "由護士主理的流動醫療車定期到區，提供量血壓、驗血糖及健康諮詢。",
       hours=("mwf", "saturday", "weekend"), methods=("walk-in",)),
    _t("med_dental", "medical.dental",
       "Dental clinic", "牙科診所",
       "Check-ups, fillings and extractions; urgent toothache is seen the same day where"
       " possible.",
       "提供檢查、補牙及脫牙；急性牙痛盡量即日處理。",
       hours=("office", "tue-sat"), others_fee=100),
    _t("med_dental_child", "medical.dental children-family",
       "Children's dental check-ups", "兒童牙齒檢查",
       "Check-ups, fluoride and tooth-brushing lessons for children, with a parent present.",
       "為兒童提供牙齒檢查、塗氟及刷牙指導，須由家長陪同。",
       hours=("saturday", "mwf"), min_age=2, max_age=17),
    # housing
    _t("house_rent", "housing.rent",
       "Rent and deposit support", "租金及按金支援",
       "Advice on the rent allowance paid to landlords, help with tenancy disputes and a"
       " one-off deposit grant when moving.",
       "就直接交予業主的租金津貼提供意見，協助處理租務糾紛，"
       "搬遷時可申請一次性按金資助。",
       methods=_CASEWORK, docs=("tenancy", "recognizance")),
    _t("house_search", "housing.rent",
       "Flat-finding help", "尋找居所協助",
       "Volunteers help you look for a safe, legal flat, check the tenancy agreement and"
       " talk to the landlord.",
       "義工協助尋找安全合法的居所、檢查租約，並與業主溝通。"),
    _t("house_rights", "housing",
       "Housing rights advice", "住屋權益諮詢",
       "Advice on subdivided flats, overcharged water and electricity bills and threats of"
       " eviction.",
       "就劏房、濫收水電費及被迫遷等問題提供意見。",
       methods=("walk-in", "phone")),
    _t("house_public", "housing.rent",
       "Public housing application help", "公屋申請協助",
       "For families where a spouse or child holds a Hong Kong permanent identity card:"
       " help applying for public rental housing.",
       "適用於配偶或子女持有香港永久性居民身份證的家庭，協助申請公共租住房屋。",
       docs=("hkid",), immigration=(("hk-resident", "yes"), ("non-refoulement-claimant", "no"))),
    _t("house_shelter_men", "housing.shelter",
       "Emergency night shelter for men", "男士緊急夜宿",
       "A bed, a shower and breakfast for men with nowhere to sleep, for up to four weeks"
       " while a caseworker looks for housing.",
       "為無處棲身的男士提供床位、淋浴及早餐，最長可住四星期，"
       "期間由個案工作員協助尋找居所。",
       hours=("night",), methods=("phone", "harbour"), gender="male", min_age=18,
       safe_house=True),
    _t("house_shelter_family", "housing.shelter children-family",
       "Family emergency accommodation", "家庭緊急住宿",
       "Private rooms for parents and children who have lost their home, with help to find"
       " somewhere to live longer term.",
       "為失去居所的家長及子女提供獨立房間，並協助尋找較長期的住處。",
       hours=("24h",), methods=("phone", "harbour"), safe_house=True),
    _t("house_shelter_women", "housing.shelter",
       "Women's emergency shelter", "婦女緊急庇護所",
       "Safe, confidential short-term accommodation for women and their children escaping"
       " domestic violence, trafficking or exploitation. Open day and night.",
       "為逃離家庭暴力、人口販運或剝削的婦女及其子女提供安全、保密的短期住宿，"
       "日夜開放。",
       hours=("24h",), methods=("phone", "harbour"), gender="female", safe_house=True),
    # speech therapy
    _t("st_child", "speech-therapy",
       "Speech therapy for children", "兒童言語治療",
       "Assessment and weekly therapy for children with speech, language or stammering"
       " difficulties, in the family's language where possible.",
       "為有發音、語言或口吃困難的兒童進行評估及每週治療，盡量以家庭的母語進行。",
       hours=("office", "split", "tue-sat"), methods=_CASEWORK, docs=("birth", "medical"),
       min_age=2, max_age=12),
    _t("st_screen", "speech-therapy children-family",
       "Early language check", "幼兒語言發展評估",
       "A short check of a young child's talking and understanding, with ideas parents can"
       " use at home.",
       "簡短評估幼兒的說話及理解能力，並教導家長在家可用的方法。",
       hours=("mwf", "saturday", "office"), max_age=6),
    _t("st_adult", "speech-therapy medical",
       "Adult voice and swallowing therapy", "成人發聲及吞嚥治療",
       "For adults whose speech or swallowing has been affected by injury, stroke or torture.",
       "為因受傷、中風或酷刑而影響說話或吞嚥能力的成年人提供治療。",
       methods=("harbour", "email"), docs=("medical", "referral"), min_age=18),
    _t("st_group", "speech-therapy education",
       "Multilingual language playgroup", "多語言語遊戲小組",
       "A play-based group where therapists coach parents to build their child's home"
       " language and Cantonese side by side.",
       "以遊戲為本的小組，由治療師指導家長同步培養孩子的母語及廣東話。",
       hours=("saturday", "mwf"), min_age=2, max_age=6),
    # mental health
    _t("mh_counsel", "mental-health.counselling",
       "Individual counselling", "個人輔導",
       "Confidential sessions with a counsellor, with an interpreter if needed.",
       "與輔導員進行保密面談，如有需要可安排傳譯員。",
       hours=("office", "evenings", "tue-sat"), methods=_CASEWORK),
    _t("mh_trauma", "mental-health.trauma",
       "Trauma therapy for survivors of torture and violence", "酷刑及暴力倖存者創傷治療",
       "Longer-term therapy, such as EMDR and trauma-focused CBT, with clinical psychologists.",
       "由臨床心理學家提供較長期的治療，例如眼動減敏及再處理治療（EMDR）"
       "和創傷聚焦認知行為治療。",
       methods=("harbour", "email"), docs=("referral",), min_age=18),
    _t("mh_peer", "mental-health.peer-support",
       "Peer support circle", "同路人支援小組",
       "Weekly groups led by people who have been through the claim process themselves.",
       "由曾經歷聲請程序的同路人帶領的每週小組。",
       hours=("evenings", "saturday", "weekend"), methods=("walk-in", "phone")),
    _t("mh_women_group", "mental-health.peer-support",
       "Women's wellbeing group", "婦女身心健康小組",
       "A relaxed, women-only space for sharing, gentle exercise and crafts.",
       "只限女性參加的輕鬆聚會，可分享心事、做簡單運動及手工藝。",
       hours=("mwf", "saturday"), methods=("walk-in", "phone"), gender="female"),
    _t("mh_hotline", "mental-health",
       "Emotional support hotline", "情緒支援熱線",
       "A listening line open round the clock, answered in English and Cantonese, with"
       " interpreters for other languages on request.",
       "全天候聆聽熱線，以英語及廣東話接聽，亦可按需要安排其他語言傳譯。",
       hours=("24h",), methods=("phone",)),
    _t("mh_youth", "mental-health.counselling children-family",
       "Youth counselling", "青少年輔導",
       "Counselling for teenagers and young adults dealing with stress, school pressure or"
       " family conflict.",
       "為面對壓力、學業困難或家庭衝突的青少年提供輔導。",
       hours=("after-school", "saturday"), min_age=12, max_age=24),
    # social welfare
    _t("sw_case", "social-welfare.casework",
       "Casework and referral", "個案工作及轉介",
       "A caseworker helps you work out what you need, applies for assistance with you and"
       " refers you to other services.",
       "個案工作員與你一起了解需要、申請援助，並轉介其他服務。",
       methods=_CASEWORK, docs=("recognizance",)),
    _t("sw_material", "social-welfare.material-aid",
       "Clothes, bedding and household items", "衣物、被鋪及家居用品",
       "Donated clothes, blankets, fans and kitchen items, given out by appointment.",
       "預約領取捐贈的衣物、被鋪、風扇及廚具。",
       hours=("mwf", "saturday", "tue-sat")),
    _t("sw_baby", "social-welfare.material-aid children-family",
       "Baby essentials", "嬰兒用品",
       "Nappies, formula milk, prams and baby clothes for families with children under three.",
       "為有三歲以下幼兒的家庭提供尿片、奶粉、嬰兒車及嬰兒衣物。",
       hours=("mwf", "tue-sat"), docs=("birth",)),
    _t("sw_transport", "social-welfare",
       "Travel support for appointments", "出席會面交通支援",
       "Octopus top-ups for travel to immigration, court and hospital appointments.",
       "為前往入境事務處、法院及醫院會面提供八達通增值。",
       docs=("appointment",)),
    # interpretation
    _t("int_appt", "interpretation",
       "Interpreters for appointments", "陪同傳譯服務",
       "Trained interpreters go with you to hospital, school and social welfare appointments.",
       "受訓傳譯員陪同你出席醫院、學校及社福機構的會面。",
       methods=("harbour", "email")),
    _t("int_phone", "interpretation",
       "Telephone interpreting line", "電話傳譯熱線",
       "Interpreting over the phone, on demand, for partner organisations and the people"
       " they serve.",
       "為合作機構及其服務使用者即時提供電話傳譯。",
       hours=("long", "office-sat"), methods=("phone",)),
    _t("int_translate", "interpretation",
       "Document translation", "文件翻譯",
       "Written translation of identity papers, medical records and supporting evidence,"
       " with a translator's statement.",
       "翻譯身份文件、醫療紀錄及證明文件，並附上譯者聲明。",
       methods=("email", "harbour")),
    _t("emp_interp_training", "employment.skills interpretation",
       "Community interpreter training", "社區傳譯員培訓",
       "A ten-week course in interpreting ethics and medical and legal vocabulary, with"
       " supervised practice.",
       "為期十星期的課程，教授傳譯操守、醫療及法律詞彙，並安排督導實習。",
       hours=("evenings", "saturday"), min_age=18),
    # food
    _t("food_meals", "food.meals",
       "Community hot meals", "社區熱飯",
       "Free hot lunches at the centre, with halal and vegetarian choices every day.",
       "於中心免費供應熱午餐，每日設清真及素食選擇。",
       hours=("lunch",), methods=("walk-in",)),
    _t("food_bank", "food.groceries",
       "Food bank", "食物銀行",
       "A monthly parcel of rice, oil, lentils, tinned food and fresh vegetables.",
       "每月派發白米、食油、扁豆、罐頭及新鮮蔬菜。",
       hours=("mwf", "saturday", "tue-sat"), docs=("recognizance",)),
    _t("food_halal", "food.groceries",
       "Halal grocery vouchers", "清真食品券",
       "Vouchers for partner halal grocers in the district, topping up the government's"
       " food assistance.",
       "提供區內合作清真雜貨店的購物券，補足政府的食物援助。",
       hours=("mwf", "office")),
    _t("food_breakfast", "food.meals children-family",
       "Children's breakfast club", "兒童早餐會",
       "A simple breakfast before school on weekdays for children from claimant families.",
       "平日上學前為聲請人家庭的兒童提供簡單早餐。",
       hours=("breakfast",), methods=("walk-in",), min_age=4, max_age=14),
    # education
    _t("edu_english", "education.language-classes",
       "English classes", "英語班",
       "Beginner to intermediate English in small classes, in the morning or the evening.",
       "小班教授初級至中級英語，設日間及晚間班。",
       hours=("evenings", "mwf", "saturday"), min_age=16),
    _t("edu_cantonese", "education.language-classes",
       "Cantonese for daily life", "生活廣東話班",
       "Practical Cantonese for the market, the minibus and the clinic.",
       "教授在街市、小巴及診所用得著的實用廣東話。",
       hours=("evenings", "mwf", "saturday"), min_age=16),
    _t("edu_school", "education.schooling children-family",
       "School placement support", "入學支援",
       "Help applying for a school place and the Education Bureau's approval, plus uniforms"
       " and books.",
       "協助申請學位及教育局批准，並提供校服及書本。",
       methods=_CASEWORK, docs=("birth", "recognizance"), min_age=5, max_age=17),
    _t("edu_homework", "education.schooling",
       "After-school homework club", "課後功課輔導班",
       "Volunteer tutors help with homework and Chinese reading after school.",
       "義務導師於放學後協助完成功課及練習中文閱讀。",
       hours=("after-school",), min_age=6, max_age=15),
    _t("edu_digital", "education employment.skills",
       "Digital skills for adults", "成人數碼技能班",
       "Using a smartphone safely, e-mail, online forms and video calls with caseworkers.",
       "學習安全使用智能電話、電郵、網上表格及與社工進行視像通話。",
       hours=("evenings", "saturday", "mwf"), min_age=16),
    # employment
    _t("emp_skills", "employment.skills",
       "Vocational skills training", "職業技能培訓",
       "Short courses in cooking, sewing, hairdressing and basic IT, with a certificate at"
       " the end.",
       "提供烹飪、縫紉、美髮及基本電腦短期課程，完成後頒發證書。",
       hours=("mwf", "office", "saturday"), min_age=18),
    _t("emp_ready", "employment",
       "Work-readiness workshops", "就業準備工作坊",
       "CV writing, interview practice and workplace Cantonese, to be ready for the day you"
       " are allowed to work.",
       "教授履歷撰寫、面試技巧及職場廣東話，為日後獲准工作作好準備。",
       hours=("evenings", "saturday"), min_age=18),
    _t("emp_jobs", "employment",
       "Job matching for people permitted to work", "獲准工作人士就業配對",
       "For recognised refugees and others with permission to work: matching with employers"
       " and help with contracts.",
       "為已確認難民及其他獲准工作人士配對僱主，並協助處理僱傭合約。",
       methods=("harbour", "email"), min_age=18,
       immigration=(("recognised-refugee", "yes"), ("hk-resident", "yes"),
                    ("non-refoulement-claimant", "no"))),
    # children and family
    _t("cf_childcare", "children-family.childcare",
       "Drop-in childcare", "暫託服務",
       "Short-term childcare, by booking, while parents attend appointments.",
       "家長出席會面期間的短暫託兒服務，須預約。",
       hours=("office", "tue-sat"), min_age=0, max_age=6),
    _t("cf_parenting", "children-family.parenting",
       "Parenting groups", "家長小組",
       "Sessions on raising children in a new country, positive discipline and how Hong Kong"
       " schools work.",
       "探討如何在異鄉養育子女、正向管教及認識香港學制。",
       hours=("mwf", "saturday", "evenings")),
    _t("cf_family_case", "children-family social-welfare.casework",
       "Family casework", "家庭個案服務",
       "Social workers support families facing stress, separation or child protection concerns.",
       "社工支援面對壓力、分離或兒童保護問題的家庭。",
       methods=_CASEWORK),
    _t("cf_youth", "children-family education",
       "Youth club", "青少年活動小組",
       "Sport, outings and mentoring for teenagers.",
       "為青少年舉辦運動、外遊及師友計劃。",
       hours=("saturday", "weekend", "after-school"), min_age=12, max_age=18),
    _t("cf_playgroup", "children-family.childcare education",
       "Parent and toddler playgroup", "親子遊戲小組",
       "Songs, stories and play for babies and toddlers with a parent, and a chance for"
       " parents to meet.",
       "為嬰幼兒及家長而設的唱遊、故事及遊戲時間，亦讓家長互相認識。",
       hours=("mwf", "saturday"), max_age=3),
)}
# fmt: on


# --- organisations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Org:
    key: str
    en: str
    zh: str
    about_en: str
    about_zh: str
    sites: tuple[str, ...]
    services: tuple[str, ...]  # template keys, placed on the sites in turn
    safe_house: str | None = None  # where its shelter services are
    gender: str | None = None  # every service is for this gender


def _o(
    key: str,
    en: str,
    zh: str,
    about_en: str,
    about_zh: str,
    sites: str,
    services: str,
    **extra: Any,
) -> _Org:
    return _Org(
        key, en, zh, about_en, about_zh, tuple(sites.split()), tuple(services.split()), **extra
    )


# key, name (en, zh), about (en, zh), sites, services (template keys, placed on the sites in turn)
# fmt: off
_ORGS: tuple[_Org, ...] = (
    # Organisations holding the test fixtures (their services are listed in _FIXTURES).
    _o("kowloon-refuge-law", "Kowloon Refuge Law Centre", "九龍庇護法律中心",
       "Free legal advice on non-refoulement claims, detention and bail, from offices in"
       " Tsim Sha Tsui and Jordan.",
       "為免遣返聲請人提供有關聲請、羈留及擔保的免費法律意見，於尖沙咀及佐敦設有辦事處。",
       "", ""),
    _o("harbourside-legal", "Harbourside Legal Volunteers", "海濱法律義工團",
       "Volunteer lawyers and law students answering everyday legal questions from people"
       " seeking protection.",
       "由義務律師及法律系學生解答尋求庇護人士日常遇到的法律問題。",
       "", ""),
    _o("bauhinia-chambers", "Bauhinia Immigration Law Chambers", "紫荊入境事務律師行",
       "A small private practice that handles immigration and protection cases for a fee.",
       "小型私人律師行，以收費形式處理入境及庇護個案。",
       "", ""),
    _o("silver-lantern-clinic", "Silver Lantern Community Clinic", "銀燈社區診所",
       "A volunteer-run clinic near Chungking Mansions offering primary care, dental care"
       " and women's health.",
       "位於重慶大廈附近、由義工營運的診所，提供基層醫療、牙科及婦女健康服務。",
       "fx-clinic", "med_dental med_srh med_chronic"),
    _o("safe-harbour-women", "Safe Harbour Women's Refuge", "安港婦女庇護中心",
       "Emergency accommodation, counselling and a helpline for women escaping violence or"
       " exploitation.",
       "為逃離暴力或剝削的婦女提供緊急住宿、輔導及求助熱線。",
       "sham-shui-po", "mh_hotline mh_counsel mh_women_group",
       safe_house="fx-refuge", gender="female"),
    # The rest of the directory.
    _o("lion-rock-legal", "Lion Rock Legal Aid Project", "獅子山法律援助計劃",
       "Lawyers and trained caseworkers helping claimants in East Kowloon prepare their"
       " claims and appeals.",
       "由律師及受訓個案工作員組成，協助東九龍的聲請人準備聲請及上訴。",
       "wong-tai-sin kwun-tong",
       "legal_claim legal_appeal legal_detention legal_documents legal_know_rights"
       " int_translate"),
    _o("nt-refugee-law", "New Territories Refugee Law Clinic", "新界難民法律診所",
       "Legal clinics in Yuen Long, Tuen Mun and Sheung Shui, so that claimants in the"
       " New Territories need not travel to town.",
       "於元朗、屯門及上水設有法律診所，住在新界的聲請人毋須長途跋涉出市區。",
       "yuen-long tuen-mun sheung-shui",
       "legal_claim legal_detention legal_drop_in legal_know_rights legal_documents"),
    _o("island-justice", "Island Justice Collective", "港島公義協作社",
       "Barristers, solicitors and interpreters working together for claimants living on"
       " Hong Kong Island.",
       "由大律師、律師及傳譯員組成的協作社，服務居於港島的聲請人。",
       "sheung-wan north-point aberdeen",
       "legal_claim legal_appeal legal_documents legal_know_rights"),
    _o("castle-peak-visitors", "Castle Peak Bay Visitors' Group", "青山灣探訪小組",
       "Volunteers who visit people in immigration detention and stay with them after release.",
       "義工探訪被入境事務處羈留的人士，並在他們獲釋後繼續同行。",
       "siu-hong tung-chung", "legal_detention sw_material mh_peer sw_transport"),
    _o("kwai-chung-health", "Kwai Chung Community Health Project", "葵涌社區健康計劃",
       "Doctors and nurses running free clinics for claimants in Kwai Tsing and Tsuen Wan.",
       "醫生及護士於葵青及荃灣為聲請人提供免費診所服務。",
       "kwai-fong tsing-yi tsuen-wan", "med_gp med_chronic med_srh med_mobile mh_counsel"),
    _o("open-door-dental", "Open Door Dental Outreach", "開門牙科外展",
       "Volunteer dentists treating people who cannot use private dental care.",
       "義務牙醫為無法使用私家牙科服務的人士提供檢查及治療。",
       "sham-shui-po tai-po-market tseung-kwan-o", "med_dental med_dental_child med_mobile"),
    _o("tsw-wellbeing", "Tin Shui Wai Wellbeing Centre", "天水圍身心健康中心",
       "A neighbourhood centre in the north-west New Territories combining health care,"
       " counselling and family activities.",
       "位於新界西北的社區中心，結合醫療、輔導及家庭活動。",
       "tin-shui-wai yuen-long",
       "med_gp mh_counsel mh_women_group cf_parenting food_bank edu_cantonese"),
    _o("healing-voices", "Healing Voices Medico-Legal Unit", "療聲醫學鑑證組",
       "Doctors and psychologists who document torture and support survivors' recovery.",
       "由醫生及心理學家為酷刑倖存者作醫學鑑證，並支援他們康復。",
       "central mong-kok", "med_torture mh_trauma st_adult"),
    _o("home-base", "Home Base Housing Support", "安居住屋支援",
       "Help finding and keeping a safe home: rent, tenancy problems and household basics.",
       "協助尋找及保住安全的居所，包括租金、租務問題及基本家居用品。",
       "sham-shui-po to-kwa-wan kwai-chung",
       "house_rent house_search house_rights house_public sw_material"),
    _o("morning-star", "Morning Star Night Shelter", "晨星夜宿中心",
       "Emergency beds for men and families with nowhere to sleep, with meals and casework.",
       "為無處棲身的男士及家庭提供緊急床位，並提供膳食及個案支援。",
       "ngau-tau-kok", "house_shelter_men house_shelter_family sw_case food_meals",
       safe_house="kt-safe-house"),
    _o("little-voices", "Little Voices Speech Therapy", "小聲音言語治療中心",
       "Speech therapists working with children and adults in their own languages, with"
       " interpreters where needed.",
       "言語治療師以服務使用者的母語為兒童及成人提供治療，有需要時安排傳譯。",
       "mong-kok sha-tin tseung-kwan-o", "st_child st_screen st_group st_adult cf_parenting"),
    _o("chatterbox", "Chatterbox Children's Therapy Centre", "童言兒童治療中心",
       "Speech and language therapy for young children in the north and west New Territories.",
       "為新界北及新界西的幼童提供言語治療。",
       "tuen-mun yuen-long fanling", "st_child st_screen st_group edu_homework"),
    _o("still-waters", "Still Waters Counselling Centre", "靜水輔導中心",
       "Counselling and trauma therapy in a calm setting, with interpreters in many languages.",
       "在寧靜的環境中提供輔導及創傷治療，並備有多種語言的傳譯。",
       "wan-chai sha-tin quarry-bay", "mh_counsel mh_trauma mh_youth mh_hotline mh_peer"),
    _o("bridges-trauma", "Bridges Trauma Recovery Service", "橋樑創傷復康服務",
       "Specialist support for survivors of torture, war and sexual violence.",
       "專為酷刑、戰亂及性暴力倖存者提供支援。",
       "kowloon-city tsuen-wan-west", "mh_trauma mh_counsel med_torture mh_women_group"),
    _o("circle-of-friends", "Circle of Friends Peer Network", "同行圈互助網絡",
       "Run by and for people seeking protection: peer groups, shared meals and a friendly"
       " face at appointments.",
       "由尋求庇護人士自發組織、服務同路人：互助小組、共膳，以及陪伴出席會面。",
       "chungking sheung-shui diamond-hill",
       "mh_peer mh_women_group edu_english food_meals int_appt"),
    _o("tidewater-casework", "Tidewater Casework Service", "潮匯個案服務",
       "Social workers helping claimant families with assistance applications, crises and"
       " referrals.",
       "社工協助聲請人家庭申請援助、處理危機及轉介服務。",
       "kwun-tong kwai-chung lam-tin",
       "sw_case sw_transport sw_material cf_family_case int_appt"),
    _o("kindred-welfare", "Kindred Welfare Society", "同心福利會",
       "A community welfare society giving out food, baby goods and household items, with"
       " casework support.",
       "社區福利團體，派發食物、嬰兒用品及家居物資，並提供個案支援。",
       "sham-shui-po tai-po-market tai-wo",
       "sw_case sw_material sw_baby food_bank food_halal edu_digital"),
    _o("eastern-mutual-aid", "Eastern Harbour Mutual Aid Society", "東港互助社",
       "Neighbours helping neighbours in North Point, Shau Kei Wan and Chai Wan.",
       "街坊互助，服務北角、筲箕灣及柴灣一帶。",
       "shau-kei-wan chai-wan north-point",
       "sw_case food_bank food_meals edu_english cf_childcare house_rent"),
    _o("many-tongues", "Many Tongues Interpreting Cooperative", "多語傳譯合作社",
       "A cooperative of community interpreters, many of them former claimants, covering"
       " more than twenty languages.",
       "由社區傳譯員組成的合作社，不少成員曾是聲請人，涵蓋逾二十種語言。",
       "yau-ma-tei causeway-bay", "int_appt int_phone int_translate emp_interp_training"),
    _o("lingua-bridge", "Lingua Bridge Volunteers", "語橋義工隊",
       "Volunteer interpreters and language tutors on Hong Kong Island, on Lantau and in"
       " Ma On Shan.",
       "於港島、大嶼山及馬鞍山提供義務傳譯及語言教學。",
       "sai-ying-pun tung-chung ma-on-shan", "int_appt int_phone edu_cantonese edu_english"),
    _o("daily-bread", "Daily Bread Kitchen", "日日糧廚房",
       "Community kitchens serving hot meals and breakfasts, with halal and vegetarian food"
       " every day.",
       "社區廚房供應熱飯及早餐，每日設清真及素食選擇。",
       "sham-shui-po tsuen-wan cheung-sha-wan", "food_meals food_breakfast food_bank sw_material"),
    _o("full-basket", "Full Basket Food Bank", "滿籃食物銀行",
       "A food bank network topping up the government's food assistance with fresh produce"
       " and halal goods.",
       "食物銀行網絡，以新鮮食材及清真食品補足政府的食物援助。",
       "ngau-tau-kok yuen-long mui-wo tuen-mun", "food_bank food_halal food_meals sw_baby"),
    _o("shared-table", "Shared Table Halal Kitchen", "共桌清真廚房",
       "A halal community kitchen where claimants cook, eat and learn together.",
       "清真社區廚房，讓聲請人一同煮食、用膳及學習。",
       "wan-chai hung-hom", "food_meals food_halal edu_cantonese cf_parenting"),
    _o("open-book", "Open Book Learning Centre", "開卷學習中心",
       "Language classes, homework help and school support for children and adults.",
       "為兒童及成人提供語言課程、功課輔導及上學支援。",
       "jordan-temple sha-tin fo-tan",
       "edu_english edu_cantonese edu_school edu_homework edu_digital"),
    _o("first-steps", "First Steps School Support", "起步上學支援",
       "Getting claimant children into school and helping them stay there.",
       "協助聲請人子女入學，並支援他們持續上學。",
       "wong-tai-sin tin-shui-wai san-po-kong",
       "edu_school edu_homework food_breakfast cf_youth st_screen"),
    _o("skills-harbour", "Skills Harbour Livelihood Project", "技港生計計劃",
       "Training for the day people are permitted to work, and job matching for those who"
       " already are.",
       "為日後獲准工作的一天作好準備，並為已獲准工作的人士配對工作。",
       "kowloon-bay cheung-sha-wan",
       "emp_skills emp_ready emp_jobs edu_digital emp_interp_training"),
    _o("craft-and-code", "Craft and Code Workshop", "手作與編程工作坊",
       "Hands-on workshops in sewing, carpentry and basic coding.",
       "提供縫紉、木工及基礎編程等實務工作坊。",
       "fo-tan quarry-bay shek-kip-mei", "emp_skills edu_digital emp_ready cf_youth"),
    _o("little-harbour-family", "Little Harbour Family Centre", "小港灣家庭中心",
       "Family centres offering childcare, parenting groups and family casework.",
       "家庭中心提供託兒、家長小組及家庭個案服務。",
       "tsing-yi siu-hong hang-hau sai-kung-town",
       "cf_childcare cf_parenting cf_family_case cf_playgroup st_screen cf_youth"),
    _o("mothers-together", "Mothers Together Network", "媽媽同行網絡",
       "Mothers supporting mothers through pregnancy and the first years.",
       "媽媽互相扶持，一同走過懷孕及孩子成長的頭幾年。",
       "sheung-shui tai-wo fanling", "cf_playgroup cf_parenting med_srh mh_women_group sw_baby"),
    _o("southern-hub", "Southern District Community Hub", "南區社區樞紐",
       "One-stop community services for claimants living in Aberdeen, Ap Lei Chau and"
       " Wong Chuk Hang.",
       "為居於香港仔、鴨脷洲及黃竹坑的聲請人提供一站式社區服務。",
       "aberdeen ap-lei-chau wong-chuk-hang",
       "sw_case food_bank edu_english cf_childcare mh_counsel emp_skills house_rights"),
    _o("lantau-outreach", "Lantau Outreach Team", "大嶼山外展隊",
       "An outreach team for claimants in Tung Chung and the villages of Lantau.",
       "外展隊伍服務東涌及大嶼山各鄉村的聲請人。",
       "tung-chung mui-wo", "sw_case med_mobile food_bank edu_homework int_phone"),
    _o("sai-kung-hillside", "Sai Kung Hillside Community Service", "西貢山邊社區服務",
       "Community services for claimant families in Sai Kung and Tseung Kwan O.",
       "為西貢及將軍澳的聲請人家庭提供社區服務。",
       "sai-kung-town tseung-kwan-o hang-hau",
       "sw_case food_meals cf_childcare edu_cantonese mh_peer"),
    _o("east-kowloon-family", "East Kowloon Family Link", "東九龍家庭連線",
       "Support for claimant parents and children in To Kwa Wan, Ngau Tau Kok and Diamond Hill.",
       "支援居於土瓜灣、牛頭角及鑽石山的聲請人家長及子女。",
       "to-kwa-wan ngau-tau-kok diamond-hill",
       "cf_family_case cf_childcare st_child food_breakfast sw_baby mh_youth"),
    _o("tsuen-wan-womens", "Tsuen Wan Migrant Women's Centre", "荃灣移民婦女中心",
       "A women-only centre for health, learning and friendship.",
       "只限女性使用的中心，提供健康、學習及聯誼活動。",
       "tsuen-wan kwai-fong", "med_srh mh_women_group edu_english emp_skills cf_childcare",
       gender="female"),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class _Fixture:
    name: str
    org: str
    template: str
    site: str
    hours: str
    languages: tuple[str, ...]


# FIXTURES key, organisation, template, site, hours, languages; distance from Chungking Mansions
# fmt: off
_FIXTURES = (
    _Fixture("tst_legal_urdu", "kowloon-refuge-law", "legal_claim", "fx-cameron",
             "ten-six", ("en", "ur")),  # 240 m
    _Fixture("jordan_legal_urdu", "kowloon-refuge-law", "legal_detention", "fx-jordan",
             "split-tue-thu", ("en", "ur", "hi")),  # 880 m
    _Fixture("tst_legal_saturday", "harbourside-legal", "legal_saturday", "fx-kimberley",
             "saturday", ("en", "ur")),  # 400 m, closed on Tuesdays
    _Fixture("tst_legal_english", "harbourside-legal", "legal_general", "fx-ashley",
             "long", ("en", "yue")),  # 190 m, no Urdu
    _Fixture("shatin_legal_urdu", "harbourside-legal", "legal_drop_in", "fx-sha-tin",
             "long", ("en", "ur")),  # 9.5 km
    _Fixture("tst_legal_paid", "bauhinia-chambers", "legal_private", "fx-mody",
             "long", ("en", "ur")),  # 300 m, HK$300
    _Fixture("tst_clinic_urdu", "silver-lantern-clinic", "med_gp", "fx-clinic",
             "long", ("en", "ur")),  # 150 m, not legal
    _Fixture("shelter_confidential", "safe-harbour-women", "house_shelter_women", "fx-refuge",
             "24h", ("en", "yue", "ur", "bn", "hi", "ne", "sw", "fr")),
)
# fmt: on


def _service_key(org: str, template: str) -> str:
    return f"{org}/{template}"


FIXTURES: dict[str, str] = {
    f.name: _id("service", _service_key(f.org, f.template)) for f in _FIXTURES
}
CONFIDENTIAL_LOCATION_ID: str = _id("location", "safe-harbour-women", "fx-refuge")


# --- building the documents -----------------------------------------------------------------


def _location(org: _Org, site: _Site) -> dict[str, Any]:
    rng = _rng("location", org.key, site.key)
    lat, lng = site.lat, site.lng
    if site.key not in _EXACT:  # a different building on the same street for each organisation
        lat, lng = lat + rng.uniform(-0.0005, 0.0005), lng + rng.uniform(-0.0005, 0.0005)
    number = _NUMBERS.get(site.key) or str(rng.randint(2, 180))
    floor = rng.randint(1, 16)
    street_en, street_zh = f"{number} {site.street_en}", f"{site.street_zh}{number}號"
    confidential = site.key in _CONFIDENTIAL
    style = "flat" if confidential else rng.choice(("room", "room", "flat", "shop", "unit"))
    if style == "room":
        room = f"{floor}{rng.randint(1, 12):02d}"
        line_en, line_zh = f"Room {room}, {floor}/F, {street_en}", f"{street_zh}{floor}樓{room}室"
    elif style == "flat":
        flat = rng.choice("ABCDEFGH")
        line_en, line_zh = f"Flat {flat}, {floor}/F, {street_en}", f"{street_zh}{floor}樓{flat}室"
    elif style == "shop":
        shop = rng.randint(1, 8)
        line_en, line_zh = f"Shop {shop}, G/F, {street_en}", f"{street_zh}地下{shop}號舖"
    else:
        unit = rng.randint(1, 20)
        line_en, line_zh = (
            f"Unit {unit}, {floor}/F, {street_en}",
            f"{street_zh}{floor}樓{unit}號單位",
        )
    district_en, district_zh, region = _DISTRICTS[site.district]
    province_en, province_zh = _REGIONS[region]
    if confidential:
        name_en, name_zh = f"{org.en} safe house, {line_en}", f"{org.zh}庇護宿舍（{line_zh}）"
        note: tuple[str, str] | None = (
            "Confidential address: tell only the person being referred, and never in writing.",
            "保密地址：只可告知被轉介人士，切勿以書面傳送。",
        )
    else:
        name_en, name_zh = f"{org.en}, {site.area_en}", f"{org.zh}（{site.area_zh}）"
        note = rng.choice(_LOCATION_NOTES) if rng.random() < 0.5 else None
    zh: dict[str, str] = {"name": name_zh, "transportation": site.transport_zh}
    doc: dict[str, Any] = {
        "id": _id("location", org.key, site.key),
        "location_type": "physical",
        "name": name_en,
    }
    if note:
        doc["description"], zh["description"] = note
    doc |= {
        "transportation": site.transport_en,
        "latitude": round(lat, 5),
        "longitude": round(lng, 5),
        "district": site.district,
        "confidential": confidential,
    }
    if rng.random() >= 0.25:  # about a fifth of locations have not said
        doc["wheelchair_accessible"] = style == "shop" or rng.random() < 0.55
    doc["translations"] = {"zh-Hant": zh}
    doc["addresses"] = [
        {
            "id": _id("address", org.key, site.key),
            "address_1": line_en,
            "city": site.area_en,
            "region": district_en,
            "state_province": province_en,
            "postal_code": "",
            "country": "HK",
            "address_type": "physical",
            "translations": {
                "zh-Hant": {
                    "address_1": line_zh,
                    "city": site.area_zh,
                    "region": district_zh,
                    "state_province": province_zh,
                }
            },
        }
    ]
    return doc


def _languages(rng: random.Random) -> list[str]:
    codes = ["en"]
    if rng.random() < 0.85:
        codes.append("yue")
    if rng.random() < 0.3:
        codes.append("zh-Hant")
    if rng.random() < 0.15:
        codes.append("cmn")
    wanted = rng.choice((1, 2, 2, 3, 3, 4))
    extra: list[str] = []
    while len(extra) < wanted:
        (code,) = rng.choices(list(_CLAIMANT_LANGUAGES), list(_CLAIMANT_LANGUAGES.values()))
        if code not in extra:
            extra.append(code)
    return codes + extra


def _days(byday: str) -> tuple[str, str]:
    names_en = {
        "MO": "Mon",
        "TU": "Tue",
        "WE": "Wed",
        "TH": "Thu",
        "FR": "Fri",
        "SA": "Sat",
        "SU": "Sun",
    }
    names_zh = {"MO": "一", "TU": "二", "WE": "三", "TH": "四", "FR": "五", "SA": "六", "SU": "日"}
    days = byday.split(",")
    if len(days) == 7:
        return "Daily", "每日"
    order = [list(names_en).index(d) for d in days]
    if len(days) >= 3 and order == list(range(order[0], order[0] + len(days))):
        return (
            f"{names_en[days[0]]}–{names_en[days[-1]]}",
            f"星期{names_zh[days[0]]}至{names_zh[days[-1]]}",
        )
    return ", ".join(names_en[d] for d in days), "星期" + "、".join(names_zh[d] for d in days)


def _schedule_text(byday: str, opens: str, closes: str) -> tuple[str, str]:
    days_en, days_zh = _days(byday)
    if opens == closes:
        return f"{days_en}, 24 hours", f"{days_zh}24小時"
    o, c = opens.lstrip("0") or "0", closes.lstrip("0") or "0"
    if closes < opens:
        return f"{days_en} {o}–{c} (overnight)", f"{days_zh} {o}至翌日{c}"
    return f"{days_en} {o}–{c}", f"{days_zh} {o}至{c}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _eligibility_text(
    eligibility: dict[str, dict[str, str]], min_age: int | None, max_age: int | None
) -> tuple[str, str] | None:
    en: list[str] = []
    zh: list[str] = []
    answers = eligibility.get("immigration", {})
    for value, lead_en, lead_zh in (
        ("yes", "Open to", "服務對象："),
        ("no", "Not open to", "不適用於"),
    ):
        statuses = [_STATUSES[s] for s, v in answers.items() if v == value]
        if statuses:
            names_zh = [z for _, z in statuses]
            joined_zh = (
                names_zh[0]
                if len(names_zh) == 1
                else "、".join(names_zh[:-1]) + "及" + names_zh[-1]
            )
            en.append(f"{lead_en} {_and([e for e, _ in statuses])}.")
            zh.append(f"{lead_zh}{joined_zh}。")
    gender = eligibility.get("gender", {})
    if gender.get("female") == "yes":
        en.append("Women only.")
        zh.append("只限女性。")
    elif gender.get("male") == "yes":
        en.append("Men only.")
        zh.append("只限男性。")
    if min_age is not None and max_age is not None:
        en.append(f"Ages {min_age}–{max_age}.")
        zh.append(f"適合{min_age}至{max_age}歲。")
    elif min_age is not None:
        en.append(f"Aged {min_age} and over.")
        zh.append(f"{min_age}歲或以上。")
    elif max_age is not None:
        en.append(f"Up to age {max_age}.")
        zh.append(f"{max_age}歲或以下。")
    return (" ".join(en), "".join(zh)) if en else None


def _eligibility(
    tpl: _Template, gender: str | None, rng: random.Random, fixture: _Fixture | None
) -> dict[str, dict[str, str]]:
    eligibility: dict[str, dict[str, str]] = {}
    if tpl.immigration is not None:
        eligibility["immigration"] = dict(tpl.immigration)
    elif fixture is not None or rng.random() >= 0.12:  # otherwise unknown: left out
        immigration = {"non-refoulement-claimant": "yes"}
        if rng.random() < 0.5:
            immigration["recognised-refugee"] = "yes"
        if rng.random() < 0.3:
            immigration["rejected-claimant"] = "yes"
        eligibility["immigration"] = immigration
    if gender is not None:
        other = "male" if gender == "female" else "female"
        eligibility["gender"] = {gender: "yes", other: "no"}
    return eligibility


def _costs(key: str, tpl: _Template) -> tuple[list[dict[str, Any]], tuple[str, str]]:
    def option(n: int, en: str, zh: str, amount: int) -> dict[str, Any]:
        return {
            "id": _id("cost", key, str(n)),
            "option": en,
            "amount": amount,
            "currency": "HKD",
            "translations": {"zh-Hant": {"option": zh}},
        }

    if tpl.fee:
        return [option(0, "Consultation fee", "諮詢費", tpl.fee)], (
            f"HK${tpl.fee} per consultation.",
            f"每次諮詢收費港幣{tpl.fee}元。",
        )
    free = option(0, "Free", "免費", 0)
    if tpl.others_fee:
        return [free, option(1, "Fee for other patients", "其他病人收費", tpl.others_fee)], (
            f"Free for people seeking protection; HK${tpl.others_fee} per visit for others.",
            f"尋求庇護人士免費；其他人士每次收費港幣{tpl.others_fee}元。",
        )
    return [free], ("Free of charge.", "免費。")


def _service(
    org: _Org, phone: str, tpl: _Template, locations: list[dict[str, Any]], fixture: _Fixture | None
) -> dict[str, Any]:
    key = _service_key(org.key, tpl.key)
    rng = _rng("service", key)
    hours = fixture.hours if fixture else rng.choice(tpl.hours)
    languages = list(fixture.languages) if fixture else _languages(rng)
    is_legal = any(c.split(".")[0] == "legal" for c in tpl.categories)
    near = any(
        _metres(loc["latitude"], loc["longitude"], *CHUNGKING_MANSIONS) < _CLEAR_OF_CHUNGKING_M
        for loc in locations
    )
    if fixture is None and is_legal and near and "ur" in languages:
        languages.remove("ur")
    method = "harbour" if fixture else rng.choice(tpl.methods)
    apply_en, apply_zh, instructions = _METHODS[method]
    costs, (fees_en, fees_zh) = _costs(key, tpl)
    eligibility = _eligibility(tpl, org.gender or tpl.gender, rng, fixture)
    accepting = fixture is not None or rng.random() < 0.85
    if accepting:
        weeks = rng.choice((0, 0, 0, 1, 2))
        waiting = weeks * rng.randint(2, 6)
    else:
        weeks, waiting = rng.randint(3, 12), rng.randint(8, 40)
    assured = (
        date(2026, 10, 15) if fixture else date(2026, 6, 1) + timedelta(days=rng.randrange(168))
    )
    response_days = {"walk-in": 0, "phone": rng.randint(1, 3), "email": rng.randint(2, 7)}.get(
        method, rng.randint(1, 5)
    )

    zh: dict[str, str] = {"name": tpl.zh, "description": tpl.about_zh}
    doc: dict[str, Any] = {
        "id": _id("service", key),
        "name": tpl.en,
        "description": tpl.about_en,
        "status": "active",
    }
    if method == "email":
        doc["email"] = f"intake.{org.key}@example.org"
    doc["url"] = f"https://example.org/{org.key}/{tpl.key.replace('_', '-')}"
    doc["application_process"], zh["application_process"] = apply_en, apply_zh
    doc["fees_description"], zh["fees_description"] = fees_en, fees_zh
    described = _eligibility_text(eligibility, tpl.min_age, tpl.max_age)
    if described:
        doc["eligibility_description"], zh["eligibility_description"] = described
    if tpl.min_age is not None:
        doc["minimum_age"] = tpl.min_age
    if tpl.max_age is not None:
        doc["maximum_age"] = tpl.max_age
    doc |= {
        "assured_date": assured.isoformat(),
        "translations": {"zh-Hant": zh},
        "categories": list(tpl.categories),
        "eligibility": eligibility,
        "intake": {
            "accepting_referrals": accepting,
            "waitlist_weeks": weeks,
            "waitlist_length": waiting,
        },
        "referral_pathway": {
            "method": method,
            "instructions": instructions,
            "response_days": response_days,
        },
        "closes_on_public_holidays": hours not in _ROUND_THE_CLOCK and rng.random() < 0.9,
        "languages": [
            {"id": _id("language", key, code), "code": code, "name": _LANGUAGE_NAMES[code]}
            for code in languages
        ],
        "cost_options": costs,
        "schedules": [
            {
                "id": _id("schedule", key, str(n)),
                "freq": "WEEKLY",
                "byday": byday,
                "opens_at": opens,
                "closes_at": closes,
                "description": _schedule_text(byday, opens, closes)[0],
                "translations": {
                    "zh-Hant": {"description": _schedule_text(byday, opens, closes)[1]}
                },
            }
            for n, (byday, opens, closes) in enumerate(_HOURS[hours])
        ],
        "phones": [{"id": _id("phone", key), "number": phone, "type": "voice"}],
    }
    if tpl.docs:
        doc["required_documents"] = [
            {
                "id": _id("document", key, name),
                "document": _DOCS[name][0],
                "translations": {"zh-Hant": {"document": _DOCS[name][1]}},
            }
            for name in tpl.docs
        ]
    doc["service_at_locations"] = [
        {"id": _id("service-at-location", key, location["id"]), "location": location}
        for location in locations
    ]
    return doc


def _organization(number: int, org: _Org) -> dict[str, Any]:
    built: dict[str, dict[str, Any]] = {}

    def at(site_key: str) -> dict[str, Any]:
        # One location per organisation and site, repeated identically under each service.
        if site_key not in built:
            built[site_key] = _location(org, _SITES[site_key])
        return copy.deepcopy(built[site_key])

    services: list[dict[str, Any]] = []

    def phone() -> str:
        return f"+852 3000 {1000 + 25 * number + len(services):04d}"

    for fixture in (f for f in _FIXTURES if f.org == org.key):
        tpl = _TEMPLATES[fixture.template]
        services.append(_service(org, phone(), tpl, [at(fixture.site)], fixture))
    for turn, template in enumerate(t for t in org.services if not _TEMPLATES[t].safe_house):
        tpl = _TEMPLATES[template]
        sites = [org.sites[turn % len(org.sites)]]
        if len(org.sites) > 1 and _rng("second-site", org.key, template).random() < 0.3:
            sites.append(org.sites[(turn + 1) % len(org.sites)])
        services.append(_service(org, phone(), tpl, [at(s) for s in sites], None))
    for template in (t for t in org.services if _TEMPLATES[t].safe_house):
        if org.safe_house is None:
            raise ValueError(f"{org.key} offers {template} but has no safe house")
        services.append(_service(org, phone(), _TEMPLATES[template], [at(org.safe_house)], None))

    return {
        "id": _id("organization", org.key),
        "name": f"{org.en} (sample)",
        "description": f"Sample listing — {org.about_en}",
        "email": f"{org.key}@example.org",
        "website": f"https://example.org/{org.key}",
        "translations": {
            "zh-Hant": {"name": f"{org.zh}（示例）", "description": f"示例資料 — {org.about_zh}"}
        },
        "services": services,
    }


def sample_directory() -> list[dict[str, Any]]:
    """The sample directory: HSDS organization documents with their services nested."""
    return [_organization(number, org) for number, org in enumerate(_ORGS)]
