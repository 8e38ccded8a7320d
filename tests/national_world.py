"""What the national explorer is tested against (tests/spi_portal and tests/browser).

2021-2024 published, 2025 a draft; a province with two regencies and a city, a city elsewhere,
a ministry, a hostile name, a result KPK withheld and an institution with a draft result only.
"""

from decimal import Decimal

from surveys.models import Institution, InstitutionResult, RoundStatus

PUBLISHED_YEARS = (2021, 2022, 2023, 2024)
DRAFT_NAME = "Kota Draf Rahasia"
DRAFT_FIGURE = "12,34"
WITHHELD_NAME = "Kabupaten Ditahan KPK"
HOSTILE_NAME = '<script>alert("x")</script> =HYPERLINK("http://evil.example")'


def make_result(survey_round, institution, internal, external, expert, published, **extra):
    return InstitutionResult.objects.create(
        round=survey_round,
        institution=institution,
        internal=Decimal(internal),
        external=Decimal(external),
        expert=Decimal(expert),
        published_index=None if published is None else Decimal(published),
        **extra,
    )


def institution(code, name, kind="kabupaten", province="Jawa Tengah"):
    """A code of digits is also the institution's region code (kode wilayah)."""
    return Institution.objects.create(
        kpk_code=code,
        region_code=code if code.isdigit() else "",
        name=name,
        type=kind,
        province=province,
    )


def build_national(rounds: dict) -> dict:
    """The world, on the shipped methodology's rounds (the `methodology` fixture)."""
    kalteng = institution("62", "PEMERINTAH PROVINSI KALIMANTAN TENGAH", "provinsi", "")
    bartim = institution("6213", "PEMERINTAH KABUPATEN BARITO TIMUR", province="Kalimantan Tengah")
    kapuas = institution("6203", "PEMERINTAH KABUPATEN KAPUAS", province="Kalimantan Tengah")
    palangka = institution(
        "6271", "PEMERINTAH KOTA PALANGKA RAYA", "kota", province="Kalimantan Tengah"
    )
    semarang = institution("3374", "PEMERINTAH KOTA SEMARANG", "kota")
    ministry = institution("KEMENKEU", "KEMENTERIAN KEUANGAN", "kementerian", "")
    hostile = institution("HOSTILE", HOSTILE_NAME, "lembaga", "")
    withheld = institution("DITAHAN", WITHHELD_NAME, province="Kalimantan Tengah")
    for year in PUBLISHED_YEARS:
        r = rounds[year]
        step = Decimal(year - 2021)
        make_result(r, kalteng, 70, 80, 70, Decimal("71.00") + step)
        make_result(r, bartim, "66.93", "84.27", "56.79", "73.50")
        make_result(r, kapuas, 60, 90, 80, Decimal("80.00") - step)
        make_result(r, palangka, 75, 70, 65, None)
        make_result(r, semarang, 80, 85, 82, "82.10")
        make_result(r, ministry, 90, 60, 70, "76.40")
        make_result(r, hostile, 50, 50, 50, "50.00")
        make_result(r, withheld, 10, 10, 10, "10.00", is_published=False)
    make_result(rounds[2025], bartim, "12.34", "12.34", "12.34", "12.34")
    make_result(rounds[2025], institution("DRAF", DRAFT_NAME, "kota"), 50, 50, 50, "50.00")
    for year in PUBLISHED_YEARS:
        rounds[year].status = RoundStatus.PUBLISHED
        rounds[year].save(update_fields=["status"])
    return {
        "rounds": rounds,
        "kalteng": kalteng,
        "bartim": bartim,
        "kapuas": kapuas,
        "palangka": palangka,
        "semarang": semarang,
        "ministry": ministry,
        "hostile": hostile,
    }
